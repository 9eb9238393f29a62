package io.marketbars.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.util.ParameterTool;

/**
 * A command line read only through declared option names. It refuses an option nobody reads, so a
 * typo ({@code --trade-topic}) fails the start instead of silently leaving a default in place, and
 * it records each default as read, so the documented options table can be checked against the code.
 */
final class Args {
    /** Refused by the reader itself, with its reason ({@code --db-password}). */
    private static final Set<String> REFUSED_WITH_REASON = Set.of("db-password");

    private final ParameterTool p;
    private final Set<String> declared;
    /** Option name to its default as read (null: none), in reading order. */
    final Map<String, String> defaults = new LinkedHashMap<>();

    Args(ParameterTool p, Set<String> declared, Set<String> alsoAccepted) {
        this.p = p;
        this.declared = declared;
        Set<String> unknown = new TreeSet<>(p.toMap().keySet());
        unknown.removeAll(declared);
        unknown.removeAll(alsoAccepted);
        unknown.removeAll(REFUSED_WITH_REASON);
        if (!unknown.isEmpty()) {
            String name = unknown.iterator().next();
            String near = closest(name, declared);
            throw new IllegalArgumentException("Unknown option --" + name
                    + (near == null ? "" : " (did you mean --" + near + "?)")
                    + "; the options are listed in docs/options.md");
        }
    }

    String get(String key, String dflt) {
        read(key, dflt);
        return p.get(key, dflt);
    }

    int getInt(String key, int dflt) {
        read(key, Integer.toString(dflt));
        return p.getInt(key, dflt);
    }

    boolean has(String key) {
        return p.has(key);
    }

    private void read(String key, String dflt) {
        if (!declared.contains(key)) {
            throw new IllegalStateException("--" + key + " is read but not declared in JobOptions.NAMES");
        }
        defaults.putIfAbsent(key, dflt);
    }

    /** The declared option nearest to a mistyped one, if it is a plausible typo. */
    static String closest(String name, Set<String> declared) {
        String best = null;
        int bestDistance = 4;
        for (String candidate : new TreeSet<>(declared)) {
            int d = editDistance(name, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitution, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] swap = prev;
            prev = cur;
            cur = swap;
        }
        return prev[b.length()];
    }
}
