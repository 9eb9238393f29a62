package io.marketbars.sinks;

import io.marketbars.config.DbPassword;
import java.util.Properties;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;

/**
 * The connector's connection provider with the password added when a connection opens, on the
 * TaskManager, rather than carried in its {@link JdbcConnectionOptions}: the options (serialized
 * into the job graph) hold the URL and the user only. {@link SimpleJdbcConnectionProvider} asks
 * {@link #getProperties()} for the driver's properties on every (re)connect, so a rotated password
 * file is read at the next reconnect.
 */
final class ResolvingPasswordProvider extends SimpleJdbcConnectionProvider {
    private static final long serialVersionUID = 1L;

    private final DbPassword password;

    ResolvingPasswordProvider(JdbcConnectionOptions withoutPassword, DbPassword password) {
        super(withoutPassword);
        if (withoutPassword.getPassword().isPresent()) {
            throw new IllegalArgumentException("The connection options must not carry the password");
        }
        this.password = password;
    }

    @Override
    public Properties getProperties() {
        Properties props = new Properties();
        props.putAll(super.getProperties());
        String p = password.resolve();
        if (!p.isEmpty()) {
            props.setProperty(JdbcConnectionOptions.PASSWORD_KEY, p);
        }
        return props;
    }
}
