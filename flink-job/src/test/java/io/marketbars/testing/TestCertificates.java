package io.marketbars.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority and server certificates made at test time with the JDK's {@code keytool}, so
 * the TLS tests need no file checked in and no download. Everything lives in one directory the caller
 * owns (e.g. a JUnit {@code @TempDir}); the keys are EC P-256 and valid for two days.
 */
public final class TestCertificates {
    /** The password of every key store made here; a test secret, never a real one. */
    public static final String STORE_PASSWORD = "test-store-pw";

    private final Path dir;
    private final String caAlias;

    private TestCertificates(Path dir, String caAlias) {
        this.dir = dir;
        this.caAlias = caAlias;
    }

    /** A new CA named {@code name} in {@code dir}: {@code <name>.p12} (its key) and {@code <name>.pem}. */
    public static TestCertificates authority(Path dir, String name) throws IOException, InterruptedException {
        TestCertificates ca = new TestCertificates(dir, name);
        ca.keytool(
                "-genkeypair",
                "-alias",
                name,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=" + name,
                "-ext",
                "bc:c",
                "-validity",
                "2",
                "-keystore",
                ca.store(name).toString());
        ca.keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                name,
                "-keystore",
                ca.store(name).toString(),
                "-file",
                ca.caPem().toString());
        return ca;
    }

    /** The CA's certificate, PEM: what a client trusts ({@code sslrootcert}, a PEM trust store). */
    public Path caPem() {
        return dir.resolve(caAlias + ".pem");
    }

    /**
     * A PKCS12 trust store holding only the CA's certificate, password {@value #STORE_PASSWORD}.
     */
    public Path trustStore() throws IOException, InterruptedException {
        Path store = dir.resolve(caAlias + "-truststore.p12");
        if (!Files.exists(store)) {
            keytool(
                    "-importcert",
                    "-noprompt",
                    "-alias",
                    caAlias,
                    "-file",
                    caPem().toString(),
                    "-keystore",
                    store.toString());
        }
        return store;
    }

    /**
     * A server certificate signed by this CA for the subject alternative names {@code san} (keytool's
     * syntax: {@code dns:localhost}, {@code ip:127.0.0.1}), kept in {@code <name>.p12} with its chain.
     */
    public Server server(String name, String... san) throws IOException, InterruptedException {
        Path store = store(name);
        keytool(
                "-genkeypair",
                "-alias",
                name,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=" + name,
                "-validity",
                "2",
                "-keystore",
                store.toString());
        Path csr = dir.resolve(name + ".csr");
        Path pem = dir.resolve(name + ".pem");
        keytool("-certreq", "-alias", name, "-keystore", store.toString(), "-file", csr.toString());
        keytool(
                "-gencert",
                "-rfc",
                "-alias",
                caAlias,
                "-keystore",
                store(caAlias).toString(),
                "-infile",
                csr.toString(),
                "-outfile",
                pem.toString(),
                "-validity",
                "2",
                "-ext",
                "SAN=" + String.join(",", san),
                "-ext",
                "KU=digitalSignature",
                "-ext",
                "EKU=serverAuth");
        // The chain into the key store, as a TLS server (Kafka's key store) sends it.
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                caAlias,
                "-file",
                caPem().toString(),
                "-keystore",
                store.toString());
        keytool("-importcert", "-alias", name, "-file", pem.toString(), "-keystore", store.toString());
        return new Server(name, store, pem);
    }

    /** A server's key and certificate. */
    public final class Server {
        private final String name;
        private final Path keyStore;
        private final Path certificatePem;

        private Server(String name, Path keyStore, Path certificatePem) {
            this.name = name;
            this.keyStore = keyStore;
            this.certificatePem = certificatePem;
        }

        /** PKCS12 with the key and its chain, password {@value #STORE_PASSWORD}. */
        public Path keyStore() {
            return keyStore;
        }

        /** The certificate alone, PEM (PostgreSQL's {@code ssl_cert_file}). */
        public String certificatePem() throws IOException {
            return Files.readString(certificatePem);
        }

        /** The private key, unencrypted PKCS#8 PEM (PostgreSQL's {@code ssl_key_file}). */
        public String privateKeyPem() throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keyStore)) {
                ks.load(in, STORE_PASSWORD.toCharArray());
            }
            Key key = ks.getKey(name, STORE_PASSWORD.toCharArray());
            return "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
        }
    }

    private Path store(String alias) {
        return dir.resolve(alias + ".p12");
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", STORE_PASSWORD));
        if (List.of(args).contains("-genkeypair")) {
            cmd.addAll(List.of("-keypass", STORE_PASSWORD));
        }
        Path log = Files.createTempFile(dir, "keytool-", ".log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed:\n" + Files.readString(log));
        }
        Files.delete(log);
    }
}
