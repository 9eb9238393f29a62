package io.marketbars.basis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class FuturesContractsTest {
    private static final ZoneId HCM = ZoneId.of("Asia/Ho_Chi_Minh");
    private final FuturesContracts contracts = new FuturesContracts(
            "VN30F*=VN30,ESZ4=SPX", "VN30F1M=VN30F+1,VN30F2M=VN30F+2", "VN30F2504=2025-04-16", HCM);

    private static long at(String localDateTime) {
        return java.time.LocalDateTime.parse(localDateTime)
                .atZone(HCM)
                .toInstant()
                .toEpochMilli();
    }

    @Test
    void patternsMapContractsToTheirIndex() {
        assertThat(contracts.underlyingOf("VN30F2412")).isEqualTo("VN30");
        assertThat(contracts.underlyingOf("ESZ4")).isEqualTo("SPX");
        assertThat(contracts.underlyingOf("ESH5")).isNull();
        assertThat(contracts.underlyingOf("FPT")).isNull();
    }

    @Test
    void theFrontMonthRollsAfterTheThirdThursday() {
        // December 2024: the third Thursday is the 19th.
        assertThat(contracts.expiry("VN30F", YearMonth.of(2024, 12))).isEqualTo(LocalDate.of(2024, 12, 19));
        assertThat(contracts.resolve("VN30F1M", at("2024-12-05T10:00:00"))).isEqualTo("VN30F2412");
        assertThat(contracts.resolve("VN30F1M", at("2024-12-19T14:29:00"))).isEqualTo("VN30F2412");
        assertThat(contracts.resolve("VN30F1M", at("2024-12-20T09:00:00"))).isEqualTo("VN30F2501");
        assertThat(contracts.resolve("VN30F2M", at("2024-12-05T10:00:00"))).isEqualTo("VN30F2501");
        assertThat(contracts.resolve("VN30F2M", at("2024-12-20T09:00:00"))).isEqualTo("VN30F2502");
        assertThat(contracts.resolve("FPT", at("2024-12-20T09:00:00"))).isEqualTo("FPT");
    }

    @Test
    void theTradingDayIsTheExchangesNotUtcs() {
        // 2024-12-19T17:30Z is already the 20th in Ho Chi Minh City: the December contract has expired.
        assertThat(contracts.resolve(
                        "VN30F1M", Instant.parse("2024-12-19T17:30:00Z").toEpochMilli()))
                .isEqualTo("VN30F2501");
        assertThat(contracts.tradingDay(Instant.parse("2024-12-19T17:30:00Z").toEpochMilli()))
                .isEqualTo((int) LocalDate.of(2024, 12, 20).toEpochDay());
    }

    @Test
    void anOverrideMovesOneExpiry() {
        // The third Thursday of April 2025 is the 17th; the override says the 16th.
        assertThat(contracts.resolve("VN30F1M", at("2025-04-17T10:00:00"))).isEqualTo("VN30F2505");
        assertThat(contracts.resolve("VN30F1M", at("2025-04-16T10:00:00"))).isEqualTo("VN30F2504");
    }

    @Test
    void malformedConfigurationIsRefusedWithTheOptionsName() {
        assertThatThrownBy(() -> new FuturesContracts("VN30F*", "", "", HCM)).hasMessageContaining("--futures");
        assertThatThrownBy(() -> new FuturesContracts("", "VN30F1M=VN30F", "", HCM))
                .hasMessageContaining("--futures-aliases");
        assertThatThrownBy(() -> new FuturesContracts("", "", "VN30F2504=16/04/2025", HCM))
                .hasMessageContaining("--futures-expiries");
    }
}
