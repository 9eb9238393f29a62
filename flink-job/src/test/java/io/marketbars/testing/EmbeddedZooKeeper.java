package io.marketbars.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.server.ServerConfig;
import org.apache.zookeeper.server.ZooKeeperServerMain;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;

/**
 * A real standalone ZooKeeper server ({@code org.apache.zookeeper:zookeeper}, the one {@code
 * zkServer.sh start} runs) in the test JVM, for Flink's ZooKeeper high availability. Its {@code
 * zoo.cfg} names only the data directory and a loopback client port: tick time and session
 * timeout bounds are ZooKeeper's defaults (3 s, sessions of 6 to 60 s), so Flink's default
 * session timeout of 60 s holds, as it would in production. The admin web server is off, as it
 * would bind a fixed port.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private final Server server = new Server();
    private final int port;
    private final Thread thread;
    private volatile Throwable failure;

    /** {@link ZooKeeperServerMain#shutdown()} is protected: this is how its own tests stop it. */
    private static final class Server extends ZooKeeperServerMain {
        @Override
        protected void shutdown() {
            super.shutdown();
        }
    }

    private EmbeddedZooKeeper(Path dataDir) throws Exception {
        Files.createDirectories(dataDir);
        this.port = FlinkStandaloneCluster.freePort();
        Properties zooCfg = new Properties();
        zooCfg.setProperty("dataDir", dataDir.toString());
        zooCfg.setProperty("clientPort", Integer.toString(port));
        zooCfg.setProperty("clientPortAddress", "127.0.0.1");
        zooCfg.setProperty("admin.enableServer", "false");
        QuorumPeerConfig quorum = new QuorumPeerConfig();
        quorum.parseProperties(zooCfg);
        ServerConfig config = new ServerConfig();
        config.readFrom(quorum);
        thread = new Thread(
                () -> {
                    try {
                        server.runFromConfig(config);
                    } catch (Throwable t) {
                        failure = t;
                    }
                },
                "zookeeper-" + port);
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts the server on a free loopback port and waits until it accepts connections. */
    public static EmbeddedZooKeeper start(Path dataDir) throws Exception {
        EmbeddedZooKeeper zk = new EmbeddedZooKeeper(dataDir);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            if (zk.failure != null) {
                throw new IllegalStateException("ZooKeeper did not start", zk.failure);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", zk.port), 1_000);
                return zk;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    zk.close();
                    throw new IllegalStateException("ZooKeeper is not listening on " + zk.port, e);
                }
                Thread.sleep(100);
            }
        }
    }

    /** The {@code high-availability.zookeeper.quorum} value. */
    public String connectString() {
        return "127.0.0.1:" + port;
    }

    /** Whether a znode exists, asked through a client of its own (for what Flink leaves behind). */
    public boolean exists(String path) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper client = new ZooKeeper(connectString(), 30_000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        try {
            if (!connected.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("No ZooKeeper session at " + connectString());
            }
            return client.exists(path, false) != null;
        } finally {
            client.close();
        }
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
