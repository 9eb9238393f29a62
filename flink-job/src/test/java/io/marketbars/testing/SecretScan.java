package io.marketbars.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Looks for secrets in every regular file under a directory, as {@code grep -r} would, byte for
 * byte: each secret in UTF-8, and in Base64 at each of the three alignments a longer Base64 text
 * could hold it in (the encoding of the secret after 0, 1 or 2 other bytes, without the groups
 * those bytes or the end share).
 */
public final class SecretScan {
    private final Map<String, byte[]> needles = new LinkedHashMap<>();

    /** {@code secrets}: name (for messages) to value; values must be at least 8 bytes. */
    public SecretScan(Map<String, String> secrets) {
        secrets.forEach((name, value) -> {
            byte[] raw = value.getBytes(StandardCharsets.UTF_8);
            if (raw.length < 8) {
                throw new IllegalArgumentException("Secret " + name + " is too short to look for");
            }
            needles.put(name, raw);
            for (int k = 0; k < 3; k++) {
                byte[] shifted = new byte[k + raw.length];
                System.arraycopy(raw, 0, shifted, k, raw.length);
                String b64 = Base64.getEncoder().encodeToString(shifted);
                String core = b64.substring(k == 0 ? 0 : 4, b64.length() - 4);
                needles.put(name + " (Base64, offset " + k + ")", core.getBytes(StandardCharsets.US_ASCII));
            }
        });
    }

    /** Every regular file under {@code root}, sorted. */
    public static List<Path> files(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each file under {@code root} holding a secret, with what it holds; empty when none does. */
    public Map<Path, List<String>> findIn(Path root) {
        Map<Path, List<String>> found = new TreeMap<>();
        for (Path file : files(root)) {
            byte[] content;
            try {
                content = Files.readAllBytes(file);
            } catch (IOException e) {
                // A file removed while the cluster runs (a finished checkpoint's temporary file).
                continue;
            }
            List<String> hits = new ArrayList<>();
            needles.forEach((name, needle) -> {
                if (indexOf(content, needle) >= 0) {
                    hits.add(name);
                }
            });
            if (!hits.isEmpty()) {
                found.put(file, hits);
            }
        }
        return found;
    }

    /** Whether {@code file} holds {@code text} (UTF-8): for checks that the scanned files are the right ones. */
    public static boolean contains(Path file, String text) {
        try {
            return indexOf(Files.readAllBytes(file), text.getBytes(StandardCharsets.UTF_8)) >= 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
