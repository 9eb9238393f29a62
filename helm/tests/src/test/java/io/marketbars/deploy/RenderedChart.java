package io.marketbars.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The chart in {@code helm/market-bars} rendered by a real Helm (helm-java's bundled native
 * library), split into its Kubernetes objects. Values come as YAML text, like a values file.
 *
 * <p>helm-java's {@code template} returns only the release manifest, without the hooks that
 * {@code helm template} prints (the Secret and the migration Job are hooks). So the chart is
 * rendered twice: as it is, and as a copy whose templates spell the hook annotations
 * {@value #HOOK_ALIAS}... instead of {@code helm.sh/hook...}, which Helm then renders like any
 * object; the alias is renamed back in the parsed objects. {@link #render} checks that the copy
 * renders exactly the original's objects plus the hooks, so the rename changes nothing else.
 */
final class RenderedChart {
    static final Path CHART = locateChart();
    static final String RELEASE = "bars";
    static final String NAMESPACE = "markets";
    /** A current Kubernetes; Helm's own default (1.20) is older than the chart's kubeVersion. */
    static final String KUBE_VERSION = "1.31.0";

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final String HOOK_ANNOTATION = "helm.sh/hook";
    static final String HOOK_ALIAS = "market-bars.test/helm-hook";
    private static final Path CHART_WITH_VISIBLE_HOOKS = copyWithVisibleHooks();

    final String text;
    final List<ObjectNode> objects;

    private RenderedChart(String text, List<ObjectNode> objects) {
        this.text = text;
        this.objects = objects;
    }

    /** Renders with the chart's defaults overridden by {@code valuesYaml} (may be empty), hooks included. */
    static RenderedChart render(String valuesYaml) {
        try {
            Path values = Files.createTempFile("market-bars-values", ".yaml");
            try {
                Files.writeString(values, valuesYaml);
                String manifest = template(CHART, values);
                String withHooks = template(CHART_WITH_VISIBLE_HOOKS, values);
                List<ObjectNode> objects = parse(withHooks);
                objects.forEach(RenderedChart::restoreHookAnnotations);
                List<ObjectNode> hooks =
                        objects.stream().filter(RenderedChart::isHook).collect(Collectors.toList());
                List<ObjectNode> others =
                        objects.stream().filter(o -> !isHook(o)).collect(Collectors.toList());
                if (!others.equals(parse(manifest))) {
                    throw new AssertionError("renaming the hook annotations changed the rendered manifest");
                }
                List<ObjectNode> all = new ArrayList<>(hooks);
                all.addAll(others);
                return new RenderedChart(withHooks.replace(HOOK_ALIAS, HOOK_ANNOTATION), all);
            } finally {
                Files.deleteIfExists(values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String template(Path chart, Path values) {
        TemplateCommand template = new Helm(chart)
                .template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION)
                .withValuesFile(values);
        return template.call();
    }

    static boolean isHook(JsonNode object) {
        return object.path("metadata").path("annotations").has(HOOK_ANNOTATION);
    }

    private static void restoreHookAnnotations(ObjectNode object) {
        JsonNode annotations = object.path("metadata").path("annotations");
        if (annotations instanceof ObjectNode a) {
            List<String> aliased = new ArrayList<>();
            a.fieldNames().forEachRemaining(name -> {
                if (name.startsWith(HOOK_ALIAS)) {
                    aliased.add(name);
                }
            });
            for (String name : aliased) {
                a.set(HOOK_ANNOTATION + name.substring(HOOK_ALIAS.length()), a.remove(name));
            }
        }
    }

    private static Path copyWithVisibleHooks() {
        try {
            Path copy = Files.createTempDirectory("market-bars-chart");
            copy.toFile().deleteOnExit();
            Path target = copy.resolve(CHART.getFileName());
            try (Stream<Path> files = Files.walk(CHART)) {
                for (Path source : (Iterable<Path>) files::iterator) {
                    Path dest = target.resolve(CHART.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(dest);
                    } else if (source.getParent().getFileName().toString().equals("templates")) {
                        Files.writeString(dest, Files.readString(source).replace(HOOK_ANNOTATION, HOOK_ALIAS));
                    } else {
                        Files.copy(source, dest);
                    }
                    dest.toFile().deleteOnExit();
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<ObjectNode> parse(String multiDocumentYaml) throws IOException {
        List<ObjectNode> docs = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(multiDocumentYaml)) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode node = it.next();
                if (node != null && node.isObject() && node.size() > 0) {
                    docs.add((ObjectNode) node);
                }
            }
        }
        return docs;
    }

    List<ObjectNode> ofKind(String kind) {
        return objects.stream()
                .filter(o -> kind.equals(o.path("kind").asText()))
                .collect(Collectors.toList());
    }

    Optional<ObjectNode> find(String kind) {
        List<ObjectNode> all = ofKind(kind);
        if (all.size() > 1) {
            throw new AssertionError("more than one " + kind + " rendered");
        }
        return all.stream().findFirst();
    }

    ObjectNode one(String kind) {
        return find(kind).orElseThrow(() -> new AssertionError("no " + kind + " rendered:\n" + text));
    }

    private static Path locateChart() {
        // Surefire runs in flink-job/; the chart lives at the repository's top level.
        Path here = Path.of("").toAbsolutePath();
        for (Path dir = here; dir != null; dir = dir.getParent()) {
            Path chart = dir.resolve("helm/market-bars");
            if (Files.isRegularFile(chart.resolve("Chart.yaml"))) {
                return chart;
            }
        }
        throw new IllegalStateException("helm/market-bars not found above " + here);
    }
}
