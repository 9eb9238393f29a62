package io.marketbars.config;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the database password is, not what it is: serializable into the job graph, resolved each
 * time a connection opens. The password comes from the file named by {@value #FILE_ENV} (how a
 * Kubernetes Secret is mounted; a rotated file is read at the next connect), else from
 * {@value #ENV}, else it is empty (trust or peer authentication).
 *
 * <p>The job graph holds only the file's path when {@code main} saw {@value #FILE_ENV}; otherwise
 * nothing but this class, and the TaskManager reads its own environment.
 */
public final class DbPassword implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Environment variable holding the database password. */
    public static final String ENV = "BARS_DB_PASSWORD";
    /** Environment variable naming a file that holds the database password (takes precedence). */
    public static final String FILE_ENV = "BARS_DB_PASSWORD_FILE";

    /** The file's path as {@code main} saw it; null: the resolving process's own environment decides. */
    private final String file;

    private DbPassword(String file) {
        this.file = file;
    }

    /** Keeps only the path of {@value #FILE_ENV} from {@code env}, never a password. */
    static DbPassword locatedBy(Map<String, String> env) {
        String path = env.get(FILE_ENV);
        return new DbPassword(path == null || path.isBlank() ? null : path);
    }

    /** The password now, from the file or this process's environment; empty when neither is set. */
    public String resolve() {
        return resolve(file, System.getenv());
    }

    /** The password from {@code env} as {@code main} sees it ({@code migrate}, the start-up checks). */
    static String resolve(Map<String, String> env) {
        return resolve(null, env);
    }

    private static String resolve(String file, Map<String, String> env) {
        String path = file != null ? file : env.get(FILE_ENV);
        if (path != null && !path.isBlank()) {
            return read(Path.of(path));
        }
        String v = env.get(ENV);
        return v == null ? "" : v;
    }

    /** The whole file but a trailing line break (editors and {@code echo} add one; Secrets usually do not). */
    private static String read(Path path) {
        try {
            String s = Files.readString(path, StandardCharsets.UTF_8);
            if (s.endsWith("\r\n")) {
                return s.substring(0, s.length() - 2);
            }
            return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot read the database password from " + path + " (named by " + FILE_ENV + ")", e);
        }
    }

    @Override
    public String toString() {
        return file != null ? "DbPassword{file=" + file + "}" : "DbPassword{from " + FILE_ENV + " or " + ENV + "}";
    }
}
