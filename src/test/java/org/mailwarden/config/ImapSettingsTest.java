package org.mailwarden.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The imap.* settings are part of the server configuration: read, defaulted and checked at start-up. */
class ImapSettingsTest {

    @TempDir
    Path dir;

    private ServerConfig load(String file) throws Exception {
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config").resolve(ServerConfig.CONFIG_FILE), file);
        return ServerConfig.load(dir, null, null, ServerConfig.Ports.standard(false), Map.of());
    }

    @Test
    void defaultsAndOverrides() throws Exception {
        assertThat(load("").imap()).isEqualTo(ImapConfig.defaults());
        assertThat(ImapConfig.defaults().idleTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(ImapConfig.defaults().idleKeepalive()).isEqualTo(Duration.ofMinutes(2));
        ImapConfig c = load("imap.idle-keepalive = 45s\nimap.max-literal-size = 10M\n").imap();
        assertThat(c.idleKeepalive()).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.maxLiteralSize()).isEqualTo(10L * 1024 * 1024);
    }

    @Test
    void aBadValueStopsStartUpNamingTheSetting() {
        assertThatThrownBy(() -> load("imap.idle-keepalive = soon\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("imap.idle-keepalive");
        assertThatThrownBy(() -> load("imap.max-bad-commands = 0\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("imap.max-bad-commands");
    }
}
