package io.marketbars.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses rendered objects into the fabric8 Kubernetes model and rejects anything the model does
 * not know. fabric8 classes keep unknown fields in {@code additionalProperties} instead of
 * failing, so after Jackson has mapped the object (which fails on wrong types) every model
 * object reachable from it must have an empty {@code additionalProperties}.
 */
final class StrictKubernetes {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private static final Map<String, Class<? extends KubernetesResource>> KINDS = Map.of(
            "v1/Secret", Secret.class,
            "v1/ServiceAccount", ServiceAccount.class,
            "batch/v1/Job", Job.class,
            "rbac.authorization.k8s.io/v1/Role", Role.class,
            "rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class,
            "monitoring.coreos.com/v1/PodMonitor", PodMonitor.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class);

    private StrictKubernetes() {}

    /** The model class for the object's apiVersion and kind; fails for kinds the chart should not render. */
    static Class<? extends KubernetesResource> modelOf(JsonNode object) {
        String key =
                object.path("apiVersion").asText() + "/" + object.path("kind").asText();
        Class<? extends KubernetesResource> type = KINDS.get(key);
        if (type == null) {
            throw new AssertionError("unexpected object " + key);
        }
        return type;
    }

    /** Parses {@code node} as {@code type}; returns the unknown or ill-typed fields found (empty when valid). */
    static <T> List<String> problems(JsonNode node, Class<T> type) {
        T parsed;
        try {
            parsed = MAPPER.treeToValue(node, type);
        } catch (Exception e) {
            return List.of(e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        walk(parsed, type.getSimpleName(), problems, new IdentityHashMap<>());
        return problems;
    }

    static List<String> problems(JsonNode object) {
        return problems(object, modelOf(object));
    }

    static List<String> podTemplateProblems(JsonNode podTemplate) {
        return problems(podTemplate, PodTemplateSpec.class);
    }

    static List<String> metadataProblems(JsonNode metadata) {
        return problems(metadata, ObjectMeta.class);
    }

    private static void walk(Object value, String path, List<String> problems, IdentityHashMap<Object, Boolean> seen) {
        if (value == null || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Collection<?> c) {
            int i = 0;
            for (Object item : c) {
                walk(item, path + "[" + i++ + "]", problems, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "." + k, problems, seen));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0
                    || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object child;
            try {
                child = getter.invoke(value);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            if ("getAdditionalProperties".equals(getter.getName())) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(path + ": unknown field(s) " + extra.keySet());
                }
            } else {
                walk(child, path + "." + getter.getName().substring(3), problems, seen);
            }
        }
    }
}
