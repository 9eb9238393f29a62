package io.marketbars.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The Flink REST API calls an operator makes (the same ones the Web UI and {@code curl} use):
 * upload and run a JAR, job and vertex status, metrics, checkpoints, stop-with-savepoint.
 */
public final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRest(String base) {
        this.base = base;
    }

    /** POST /jars/upload (multipart, field {@code jarfile}); returns the jar id. */
    public String uploadJar(Path jar) throws IOException {
        String boundary = "----marketbars" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                        + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode r = send(HttpRequest.newBuilder(URI.create(base + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        if (!"success".equals(r.path("status").asText())) {
            throw new IllegalStateException("Upload failed: " + r);
        }
        String filename = r.get("filename").asText();
        return filename.substring(filename.lastIndexOf('/') + 1);
    }

    /** POST /jars/:id/run; returns the job id. {@code savepointPath} may be null. */
    public String runJar(
            String jarId,
            List<String> programArgs,
            int parallelism,
            String savepointPath,
            boolean allowNonRestoredState)
            throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("programArgsList")
                .addAll(programArgs.stream()
                        .map(JSON.getNodeFactory()::textNode)
                        .toList());
        body.put("parallelism", parallelism);
        if (savepointPath != null) {
            body.put("savepointPath", savepointPath);
            body.put("allowNonRestoredState", allowNonRestoredState);
        }
        JsonNode r = post("/jars/" + jarId + "/run", body);
        if (!r.hasNonNull("jobid")) {
            throw new IllegalStateException("Run failed: " + r);
        }
        return r.get("jobid").asText();
    }

    public JsonNode get(String path) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public JsonNode post(String path, JsonNode body) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    /** GET /jobs/:id */
    public JsonNode job(String jobId) throws IOException {
        return get("/jobs/" + jobId);
    }

    /** The job's state and every vertex RUNNING with all its subtasks. */
    public boolean allTasksRunning(String jobId) throws IOException {
        JsonNode job = job(jobId);
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode v : job.path("vertices")) {
            if (v.path("tasks").path("RUNNING").asInt() != v.path("parallelism").asInt()) {
                return false;
            }
        }
        return true;
    }

    /** Vertex name to vertex id. */
    public Map<String, String> vertices(String jobId) throws IOException {
        Map<String, String> ids = new java.util.LinkedHashMap<>();
        for (JsonNode v : job(jobId).path("vertices")) {
            ids.put(v.get("name").asText(), v.get("id").asText());
        }
        return ids;
    }

    /**
     * Operator metrics of one vertex aggregated over its subtasks ({@code min}, {@code max},
     * {@code avg}, {@code sum}), keyed by the metric's own name (the part after the operator's name,
     * e.g. {@code ticksIn}): GET /jobs/:id/vertices/:vid/subtasks/metrics?get=...
     */
    public Map<String, JsonNode> vertexMetrics(String jobId, String vertexId, String... names) throws IOException {
        String path = "/jobs/" + jobId + "/vertices/" + vertexId + "/subtasks/metrics";
        Map<String, String> byShortName = new HashMap<>();
        for (JsonNode m : get(path)) {
            String id = m.get("id").asText();
            for (String n : names) {
                if (id.equals(n) || id.endsWith("." + n)) {
                    byShortName.put(id, n);
                }
            }
        }
        Map<String, JsonNode> values = new HashMap<>();
        if (byShortName.isEmpty()) {
            return values;
        }
        String query = URLEncoder.encode(String.join(",", byShortName.keySet()), StandardCharsets.UTF_8);
        for (JsonNode m : get(path + "?get=" + query)) {
            values.put(byShortName.get(m.get("id").asText()), m);
        }
        return values;
    }

    /** Metric ids available on a vertex, summed over subtasks. */
    public List<String> vertexMetricIds(String jobId, String vertexId) throws IOException {
        List<String> ids = new java.util.ArrayList<>();
        get("/jobs/" + jobId + "/vertices/" + vertexId + "/subtasks/metrics")
                .forEach(m -> ids.add(m.get("id").asText()));
        return ids;
    }

    /** GET /jobs/:id/checkpoints */
    public JsonNode checkpoints(String jobId) throws IOException {
        return get("/jobs/" + jobId + "/checkpoints");
    }

    /** POST /jobs/:id/stop, then polls the trigger until the savepoint is written; returns its path. */
    public String stopWithSavepoint(String jobId, String targetDirectory, Duration timeout) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("drain", false);
        if (targetDirectory != null) {
            body.put("targetDirectory", targetDirectory);
        }
        String trigger =
                post("/jobs/" + jobId + "/stop", body).get("request-id").asText();
        JsonNode status = await(
                () -> get("/jobs/" + jobId + "/savepoints/" + trigger),
                s -> "COMPLETED".equals(s.path("status").path("id").asText()),
                timeout,
                "savepoint of " + jobId);
        JsonNode op = status.path("operation");
        if (op.has("failure-cause")) {
            throw new IllegalStateException("Stop with savepoint failed: " + op.get("failure-cause"));
        }
        return op.get("location").asText();
    }

    /** PATCH /jobs/:id?mode=cancel */
    public void cancel(String jobId) throws IOException {
        send(HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()));
    }

    /**
     * DELETE /cluster: the leading JobManager shuts the session cluster down for good, removing its
     * high-availability data, and exits; TaskManagers stay up, looking for a new leader.
     */
    public void shutDownCluster() throws IOException {
        send(HttpRequest.newBuilder(URI.create(base + "/cluster")).DELETE());
    }

    void awaitSlots(int slots, Duration timeout) {
        try {
            await(
                    () -> {
                        try {
                            return get("/overview");
                        } catch (IOException e) {
                            return JSON.createObjectNode();
                        }
                    },
                    o -> o.path("slots-total").asInt() >= slots,
                    timeout,
                    slots + " task slots");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Plain text of another HTTP endpoint (the Prometheus reporter). */
    public static String text(String url) throws IOException {
        try {
            return HttpClient.newHttpClient()
                    .send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Something to ask for again and again. */
    public interface Probe {
        JsonNode get() throws Exception;
    }

    public static JsonNode await(Probe probe, Predicate<JsonNode> done, Duration timeout, String what)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = probe.get();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("Timed out after " + timeout + " waiting for " + what + "; last answer: " + last);
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException {
        try {
            HttpResponse<String> r =
                    http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 400) {
                throw new IOException("HTTP " + r.statusCode() + " from " + r.uri() + ": " + r.body());
            }
            return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
