package io.marketbars.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.provider.EnvVarConfigProvider;
import org.apache.kafka.common.config.provider.FileConfigProvider;

/**
 * {@code KAFKA_*} environment variables as Kafka client properties ({@code KAFKA_SASL_JAAS_CONFIG}
 * becomes {@code sasl.jaas.config}), the one mapping the job and {@code import-csv} share. A value
 * may be a config-provider reference, {@code ${env:KAFKA_...}} or {@code ${file:/path:key}}: the
 * {@code env} and {@code file} providers are declared with the properties, so the Kafka client
 * resolves it where it is created.
 */
public final class KafkaEnvironment {
    /** The prefix of the variables that become client properties. */
    public static final String PREFIX = "KAFKA_";

    /** The client settings Kafka itself types as passwords (consumer and producer). */
    static final Set<String> SECRETS = new TreeSet<>();

    static {
        for (ConfigDef def : List.of(ConsumerConfig.configDef(), ProducerConfig.configDef())) {
            def.configKeys().forEach((name, key) -> {
                if (key.type == ConfigDef.Type.PASSWORD) {
                    SECRETS.add(name);
                }
            });
        }
    }

    private KafkaEnvironment() {}

    /**
     * The client properties in {@code env}: each {@code KAFKA_<NAME>} whose property is in {@code
     * known} and not in {@code owned} (settings the caller sets itself). With {@code
     * secretsByReference}, a password-typed setting given as a plain value becomes {@code
     * ${env:KAFKA_<NAME>}}, so the properties can travel (in a job graph) without the secret.
     * Other {@code KAFKA_*} variables, such as {@code KAFKA_HEAP_OPTS} of Kafka's own scripts, are
     * ignored.
     */
    public static Properties clientProperties(
            Map<String, String> env, Set<String> known, Set<String> owned, boolean secretsByReference) {
        Properties props = new Properties();
        env.forEach((k, v) -> {
            String name = propertyName(k);
            if (name != null && known.contains(name) && !owned.contains(name)) {
                boolean reference = v.startsWith("${") && v.endsWith("}");
                props.setProperty(
                        name, secretsByReference && SECRETS.contains(name) && !reference ? "${env:" + k + "}" : v);
            }
        });
        if (!props.isEmpty()) {
            props.setProperty(AbstractConfig.CONFIG_PROVIDERS_CONFIG, "env,file");
            props.setProperty("config.providers.env.class", EnvVarConfigProvider.class.getName());
            // The env provider reads only the variables mapped here, not the whole environment.
            props.setProperty("config.providers.env.param.allowlist.pattern", PREFIX + ".*");
            props.setProperty("config.providers.file.class", FileConfigProvider.class.getName());
        }
        return props;
    }

    /** {@code KAFKA_SASL_JAAS_CONFIG} to {@code sasl.jaas.config}; null for other variables. */
    public static String propertyName(String variable) {
        if (!variable.startsWith(PREFIX) || variable.length() == PREFIX.length()) {
            return null;
        }
        return variable.substring(PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** Whether {@code property} is one of the providers' own settings, not a client setting. */
    public static boolean isProviderSetting(String property) {
        return property.equals(AbstractConfig.CONFIG_PROVIDERS_CONFIG)
                || property.startsWith(AbstractConfig.CONFIG_PROVIDERS_CONFIG + ".");
    }
}
