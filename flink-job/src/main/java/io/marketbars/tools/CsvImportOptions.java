package io.marketbars.tools;

import static io.marketbars.tools.CsvImport.DEFAULT_BOOTSTRAP_SERVERS;
import static io.marketbars.tools.CsvImport.DEFAULT_TOPIC;

import io.marketbars.tools.CsvImport.Settings;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.util.ParameterTool;

/** The options of {@code import-csv}, parsed; see {@link #USAGE}. */
final class CsvImportOptions {

    static final String USAGE = String.join(
            "\n",
            "Usage: import-csv --file PATH|- [--symbol SYM] [--topic " + DEFAULT_TOPIC + "]",
            "                  [--bootstrap-servers " + DEFAULT_BOOTSTRAP_SERVERS + "] [--time-zone UTC]"
                    + " [--delimiter ,]",
            "  --file PATH       CSV (or .csv.gz) with a header row; '-' reads stdin",
            "  --symbol SYM      symbol for a CSV without a symbol column (or with empty cells)",
            "  --time-zone ZONE  zone of ISO timestamps without offset, e.g. Asia/Ho_Chi_Minh or UTC+07:00",
            "  --delimiter C     one character, or 'tab'",
            "Kafka client settings such as SASL come from KAFKA_* environment variables,",
            "e.g. KAFKA_SECURITY_PROTOCOL=SASL_SSL KAFKA_SASL_JAAS_CONFIG=... (sasl.jaas.config);",
            "a value may be a reference such as '${file:/path/client.properties:sasl.jaas.config}'.");

    /** What ParameterTool stores for an option given without a value. */
    private static final String NO_VALUE = "__NO_VALUE_KEY";

    Path file;
    boolean help;
    String bootstrapServers;
    Settings settings;

    static CsvImportOptions parse(String[] args, Map<String, String> env) {
        List<String> list = new ArrayList<>(Arrays.asList(args));
        if (!list.isEmpty() && list.get(0).equals("import-csv")) {
            list.remove(0);
        }
        // ParameterTool takes a lone "-" for an empty option name and throws, so stdin is
        // picked out before it sees the arguments.
        boolean stdin = false;
        for (int i = 0; i + 1 < list.size(); i++) {
            if ((list.get(i).equals("--file") || list.get(i).equals("-file"))
                    && list.get(i + 1).equals("-")) {
                list.subList(i, i + 2).clear();
                stdin = true;
                break;
            }
        }
        ParameterTool params = ParameterTool.fromArgs(list.toArray(new String[0]));
        CsvImportOptions cmd = new CsvImportOptions();
        if (params.has("help") || params.has("h")) {
            cmd.help = true;
            return cmd;
        }
        String file = value(params, "file");
        if (stdin && file != null) {
            throw new IllegalArgumentException("--file given twice");
        }
        if (!stdin && file == null) {
            throw new IllegalArgumentException("--file is required (use '--file -' for stdin)");
        }
        cmd.file = stdin ? null : Path.of(file);
        String bootstrap = value(params, "bootstrap-servers");
        if (bootstrap == null) {
            // An explicit option wins; then the environment, like every other client setting.
            bootstrap = env.getOrDefault(ImportProducer.ENV_PREFIX + "BOOTSTRAP_SERVERS", DEFAULT_BOOTSTRAP_SERVERS);
        }
        cmd.bootstrapServers = bootstrap;
        String topic = value(params, "topic");
        String symbol = value(params, "symbol");
        String zone = value(params, "time-zone");
        String delimiter = value(params, "delimiter");
        Set<String> unknown = params.getUnrequestedParameters();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s): " + new TreeSet<>(unknown));
        }
        ZoneId timeZone;
        try {
            timeZone = zone == null ? ZoneOffset.UTC : ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("--time-zone: " + e.getMessage());
        }
        cmd.settings = new Settings(
                topic == null ? DEFAULT_TOPIC : topic,
                symbol,
                timeZone,
                delimiter == null ? ',' : delimiter(delimiter));
        return cmd;
    }

    private static String value(ParameterTool params, String name) {
        if (!params.has(name)) {
            return null;
        }
        String v = params.get(name);
        if (v == null || NO_VALUE.equals(v) || v.isEmpty()) {
            throw new IllegalArgumentException("--" + name + " needs a value");
        }
        return v;
    }

    private static char delimiter(String d) {
        if (d.equalsIgnoreCase("tab") || d.equals("\\t")) {
            return '\t';
        }
        if (d.length() != 1) {
            throw new IllegalArgumentException("--delimiter must be one character or 'tab', not '" + d + "'");
        }
        return d.charAt(0);
    }
}
