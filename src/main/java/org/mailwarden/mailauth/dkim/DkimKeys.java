package org.mailwarden.mailauth.dkim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signing keys under {@code <configDir>/opendkim/keys/<domain>/}: every {@code <selector>.private} there
 * signs that domain's mail (an RSA and an Ed25519 key side by side give two signatures, as RFC 8463
 * suggests). Keys are re-read when the directory changes.
 */
public final class DkimKeys {

    private static final Logger LOG = LoggerFactory.getLogger(DkimKeys.class);

    private record Cached(FileTime stamp, List<DkimKey> keys) {}

    private final Path configDir;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public DkimKeys(Path configDir) {
        this.configDir = configDir;
    }

    /** Keys for the domain, by selector name; empty when it has none. */
    public List<DkimKey> forDomain(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.isEmpty() || d.contains("/") || d.startsWith(".")) {
            return List.of();
        }
        Path dir = DkimKey.keyDir(configDir, d);
        FileTime stamp;
        try {
            stamp = Files.isDirectory(dir) ? Files.getLastModifiedTime(dir) : null;
        } catch (IOException e) {
            stamp = null;
        }
        if (stamp == null) {
            return List.of();
        }
        Cached c = cache.get(d);
        if (c != null && c.stamp().equals(stamp)) {
            return c.keys();
        }
        List<DkimKey> keys = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (!n.endsWith(".private")) {
                    continue;
                }
                try {
                    keys.add(DkimKey.load(p, d, n.substring(0, n.length() - ".private".length())));
                } catch (IOException | RuntimeException e) {
                    LOG.warn("event=config-error file={} reason=\"cannot read DKIM key: {}\"", p, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.warn("event=config-error file={} reason=\"{}\"", dir, e.toString());
        }
        List<DkimKey> out = List.copyOf(keys);
        cache.put(d, new Cached(stamp, out));
        return out;
    }
}
