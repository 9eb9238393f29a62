package io.marketbars.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class EmbeddedPostgresIT {

    @Test
    void startsCreatesDatabaseAndRoundTripsNumericExactly() throws Exception {
        Path dataDir;
        String url;
        try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
            dataDir = pg.dataDir();
            url = pg.jdbcUrl("bars");
            pg.createDatabase("bars");
            assertThat(pg.user()).isEqualTo("postgres");
            try (Connection c = DriverManager.getConnection(url);
                    Statement s = c.createStatement()) {
                assertThat(single(s, "select version()")).startsWith("PostgreSQL 17.");
                assertThat(single(s, "select current_database()")).isEqualTo("bars");
                assertThat(single(s, "select host(inet_server_addr())")).isEqualTo("127.0.0.1");
                assertThat(single(s, "show fsync")).isEqualTo("off");

                s.execute("create table prices (price numeric(38, 18) not null)");
                BigDecimal price = new BigDecimal("12345678901234567890.123456789012345678");
                try (PreparedStatement insert = c.prepareStatement("insert into prices values (?)")) {
                    insert.setBigDecimal(1, price);
                    insert.executeUpdate();
                }
                try (ResultSet rs = s.executeQuery("select price from prices")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getBigDecimal(1)).isEqualTo(price); // equals: same value and same scale
                }
            }
        }
        assertThat(Files.exists(dataDir)).isFalse();
        assertThatThrownBy(() -> DriverManager.getConnection(url).close()).isInstanceOf(SQLException.class);
    }

    @Test
    void twoInstancesRunAtOnceOnDifferentPortsWithExtraSettings() throws Exception {
        try (EmbeddedPostgres a = EmbeddedPostgres.start();
                EmbeddedPostgres b =
                        EmbeddedPostgres.builder().setting("work_mem", "7MB").start()) {
            assertThat(a.port()).isNotEqualTo(b.port());
            try (Connection ca = DriverManager.getConnection(a.jdbcUrl("postgres"));
                    Connection cb = DriverManager.getConnection(b.jdbcUrl("postgres"));
                    Statement sa = ca.createStatement();
                    Statement sb = cb.createStatement()) {
                assertThat(single(sa, "show port")).isEqualTo(Integer.toString(a.port()));
                assertThat(single(sb, "show port")).isEqualTo(Integer.toString(b.port()));
                assertThat(single(sb, "show work_mem")).isEqualTo("7MB");
                sa.execute("create table only_in_a (x int)");
                assertThat(single(sb, "select count(*) from pg_tables where tablename = 'only_in_a'"))
                        .isEqualTo("0");
            }
        }
    }

    @Test
    void stopsAndStartsAgainOnTheSamePortWithItsData() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
            pg.createDatabase("kept");
            String url = pg.jdbcUrl("kept");
            try (Connection c = DriverManager.getConnection(url);
                    Statement s = c.createStatement()) {
                s.execute("create table kept (x int)");
                s.execute("insert into kept values (42)");
            }
            try (Connection held = DriverManager.getConnection(url)) {
                pg.stop();
                assertThatThrownBy(() -> DriverManager.getConnection(url).close())
                        .isInstanceOf(SQLException.class);
                assertThatThrownBy(() -> held.createStatement().execute("select 1"))
                        .isInstanceOf(SQLException.class);
            }
            pg.startAgain();
            try (Connection c = DriverManager.getConnection(url);
                    Statement s = c.createStatement()) {
                assertThat(single(s, "select x from kept")).isEqualTo("42");
                assertThat(single(s, "show port")).isEqualTo(Integer.toString(pg.port()));
            }
        }
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
