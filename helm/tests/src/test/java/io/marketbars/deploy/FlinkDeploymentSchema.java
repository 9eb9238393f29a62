package io.marketbars.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The FlinkDeployment v1beta1 schema from the Flink Kubernetes Operator's CRD, as shipped in
 * {@code org.apache.flink:flink-kubernetes-operator-api} on Maven Central, made strict the way
 * {@code kubectl apply} (server-side field validation "Strict") is: an object with declared
 * properties accepts no others unless the CRD says it preserves unknown fields.
 *
 * <p>The newest operator API on Maven Central here is 1.10.0, whose {@code flinkVersion} enum ends
 * at {@code v1_20}. Operator 1.11 added {@code v2_0}, 1.13 added {@code v2_1} and {@code v2_2}
 * (FlinkVersion.java in apache/flink-kubernetes-operator, tags release-1.11.0 and release-1.13.0),
 * and the spec fields this chart uses are otherwise the same in 1.14.0's CRD (it only adds
 * {@code job.autoscalerResetNonce}). So the 1.10.0 schema is used with exactly those enum values
 * added; the chart requires operator 1.13.0 or newer.
 */
final class FlinkDeploymentSchema {
    static final String CRD_RESOURCE = "META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml";
    /** flinkVersion values of operator releases newer than the 1.10.0 CRD on Maven Central. */
    static final List<String> NEWER_FLINK_VERSIONS = List.of("v2_0", "v2_1", "v2_2");

    private final JsonSchema schema;
    final ObjectNode openApiSchema;

    FlinkDeploymentSchema() {
        JsonNode crd;
        try (InputStream in = FlinkDeploymentSchema.class.getClassLoader().getResourceAsStream(CRD_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CRD_RESOURCE + " not on the test class path");
            }
            crd = RenderedChart.YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonNode version = null;
        for (JsonNode v : crd.path("spec").path("versions")) {
            if ("v1beta1".equals(v.path("name").asText())) {
                version = v;
            }
        }
        if (version == null) {
            throw new IllegalStateException("CRD has no v1beta1 version");
        }
        openApiSchema =
                (ObjectNode) version.path("schema").path("openAPIV3Schema").deepCopy();
        ArrayNode versions = (ArrayNode) openApiSchema
                .path("properties")
                .path("spec")
                .path("properties")
                .path("flinkVersion")
                .path("enum");
        if (versions.isMissingNode() || versions.size() == 0) {
            throw new IllegalStateException("flinkVersion enum not found in the CRD");
        }
        NEWER_FLINK_VERSIONS.forEach(versions::add);
        makeStrict(openApiSchema);
        // The API server checks these itself; the CRD's schema leaves them out.
        ObjectNode root = (ObjectNode) openApiSchema.path("properties");
        root.putObject("apiVersion").put("type", "string").putArray("enum").add("flink.apache.org/v1beta1");
        root.putObject("kind").put("type", "string").putArray("enum").add("FlinkDeployment");
        root.putObject("metadata").put("type", "object");
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().build();
        schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(openApiSchema, config);
    }

    /** Problems of {@code flinkDeployment} against the schema; empty when valid. */
    Set<String> validate(JsonNode flinkDeployment) {
        Set<ValidationMessage> messages = schema.validate(flinkDeployment);
        return messages.stream()
                .map(ValidationMessage::getMessage)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    private static void makeStrict(JsonNode node) {
        if (node.isObject()) {
            ObjectNode obj = (ObjectNode) node;
            if (obj.has("properties")
                    && !obj.has("additionalProperties")
                    && !obj.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                obj.put("additionalProperties", false);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
                makeStrict(it.next().getValue());
            }
        } else if (node.isArray()) {
            node.forEach(FlinkDeploymentSchema::makeStrict);
        }
    }
}
