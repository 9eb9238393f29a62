package io.marketbars.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/options.md true: its table lists exactly the options {@link JobOptions} reads, with
 * the defaults the code uses wherever the table states one as a single value.
 */
class OptionsTableTest {
    private static final Pattern OPTION = Pattern.compile("`--([a-z0-9-]+)`");
    private static final Pattern SINGLE_VALUE = Pattern.compile("`([^`<]*)`");

    /** One row of the table: its options and its default cell. */
    record Row(List<String> names, String defaultCell) {}

    @Test
    void theTableListsExactlyTheOptionsTheJobReads() throws IOException {
        List<Row> rows = table(repositoryFile("docs/options.md"));
        TreeSet<String> documented = new TreeSet<>();
        rows.forEach(r -> documented.addAll(r.names()));

        assertThat(new TreeSet<>(JobOptions.defaults().keySet()))
                .as("every declared option is read by JobOptions")
                .isEqualTo(new TreeSet<>(JobOptions.NAMES));
        TreeSet<String> undocumented = new TreeSet<>(JobOptions.NAMES);
        undocumented.removeAll(documented);
        TreeSet<String> notAnOption = new TreeSet<>(documented);
        notAnOption.removeAll(JobOptions.NAMES);
        assertThat(undocumented)
                .as("options JobOptions reads that docs/options.md lacks a row for")
                .isEmpty();
        assertThat(notAnOption)
                .as("rows of docs/options.md for options JobOptions does not read")
                .isEmpty();
    }

    @Test
    void theDefaultsTheTableStatesAreTheOnesTheJobUses() throws IOException {
        Map<String, String> defaults = JobOptions.defaults();
        Map<String, String> documented = new LinkedHashMap<>();
        for (Row row : table(repositoryFile("docs/options.md"))) {
            Matcher m = SINGLE_VALUE.matcher(row.defaultCell());
            // Only a plain value ("`2 s`"); prose such as "cluster default" or "`<group-id>-dlq`" is not checked.
            if (row.names().size() == 1 && m.matches()) {
                documented.put(row.names().get(0), m.group(1));
            }
        }
        assertThat(documented).as("defaults stated in docs/options.md").hasSizeGreaterThan(20);
        documented.forEach((name, value) -> assertThat(defaults.get(name))
                .as("default of --" + name + " in docs/options.md")
                .isEqualTo(value));
    }

    @Test
    void everyOptionTheHelmChartCanSetIsAnOptionOfTheJob() throws IOException {
        JsonNode schema = new ObjectMapper()
                .readTree(repositoryFile("helm/market-bars/values.schema.json").toFile());
        TreeSet<String> chartOptions = new TreeSet<>();
        schema.path("properties")
                .path("job")
                .path("properties")
                .path("options")
                .path("properties")
                .fieldNames()
                .forEachRemaining(chartOptions::add);
        assertThat(chartOptions).as("job.options in the chart's values schema").isNotEmpty();
        assertThat(JobOptions.NAMES).containsAll(chartOptions);
    }

    /** The rows of the first table whose header starts with "| option | default |". */
    static List<Row> table(Path markdown) throws IOException {
        List<Row> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(markdown)) {
            if (!inTable) {
                inTable = line.startsWith("| option | default |");
                continue;
            }
            if (!line.startsWith("|")) {
                break;
            }
            if (line.startsWith("|---")) {
                continue;
            }
            String[] cells = line.split("\\|", -1);
            List<String> names = new ArrayList<>();
            Matcher m = OPTION.matcher(cells[1]);
            while (m.find()) {
                names.add(m.group(1));
            }
            assertThat(names)
                    .as("a row of " + markdown + " without an option: " + line)
                    .isNotEmpty();
            rows.add(new Row(names, cells[2].trim()));
        }
        assertThat(rows).as("the options table in " + markdown).isNotEmpty();
        return rows;
    }

    /** A file of the repository, whether the tests run from the module or from the root. */
    static Path repositoryFile(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
