package org.mailwarden.queue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mailwarden.config.OutboundConfig;
import org.mailwarden.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where mail for a domain goes: its MX hosts, or a relay host. */
public sealed interface Route {

    /** Direct delivery to the domain's MX hosts (A/AAAA when it has none) on the outbound port. */
    record Mx(String domain) implements Route {}

    /** A smarthost; credentials empty = no AUTH. */
    record Relay(String host, int port, Settings.RelayTls tls, boolean verify, String user, String password)
            implements Route {
        @Override
        public String toString() {
            return "Relay[" + host + ":" + port + "]"; // never the password
        }
    }

    /**
     * Routing table: docker-mailserver's {@code postfix-relaymap.cf} ({@code @domain [host]:port}; {@code @domain}
     * alone = deliver that domain directly), then the default relay host, then MX. The file is re-read when it
     * changes.
     */
    final class Table {
        private static final Logger LOG = LoggerFactory.getLogger(Table.class);

        private final OutboundConfig config;
        private FileTime loaded;
        private Map<String, OutboundConfig.RelayHost> map = Map.of();

        public Table(OutboundConfig config) {
            this.config = config;
        }

        public synchronized Route route(String domain) {
            String d = domain.toLowerCase(Locale.ROOT);
            reload();
            if (map.containsKey(d)) {
                OutboundConfig.RelayHost h = map.get(d);
                return h == null ? new Mx(d) : relay(h);
            }
            return config.relay() != null ? relay(config.relay()) : new Mx(d);
        }

        private Relay relay(OutboundConfig.RelayHost h) {
            return new Relay(h.host(), h.port(), config.relayTls(), config.relayTlsVerify(), config.relayUser(),
                    config.relayPassword());
        }

        private void reload() {
            Path f = config.relayMapFile();
            if (f == null) {
                return;
            }
            try {
                if (!Files.exists(f)) {
                    map = Map.of();
                    loaded = null;
                    return;
                }
                FileTime t = Files.getLastModifiedTime(f);
                if (t.equals(loaded)) {
                    return;
                }
                Map<String, OutboundConfig.RelayHost> m = new HashMap<>();
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (line.isEmpty() || line.startsWith("#")) {
                        continue;
                    }
                    String[] parts = line.split("\\s+");
                    if (!parts[0].startsWith("@") || parts.length > 2) {
                        LOG.warn("event=config-error file={} line={} reason=\"expected '@domain [host]:port'\"", f,
                                i + 1);
                        continue;
                    }
                    try {
                        m.put(parts[0].substring(1).toLowerCase(Locale.ROOT),
                                parts.length == 1 ? null : OutboundConfig.RelayHost.parse(parts[1], 25));
                    } catch (RuntimeException e) {
                        LOG.warn("event=config-error file={} line={} reason=\"{}\"", f, i + 1, e.getMessage());
                    }
                }
                map = m;
                loaded = t;
            } catch (IOException e) {
                LOG.warn("event=config-error file={} reason=\"{}\"", f, e.toString());
            }
        }
    }
}
