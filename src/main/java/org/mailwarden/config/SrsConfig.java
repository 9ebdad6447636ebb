package org.mailwarden.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * SRS settings ({@code srs.*}, docker-mailserver's ENABLE_SRS, SRS_DOMAINNAME, SRS_SECRET, SRS_EXCLUDE_DOMAINS), part
 * of {@link ServerConfig}. The secrets themselves are read at start ({@code org.mailwarden.srs.SrsSecrets}).
 *
 * @param secrets    from SRS_SECRET, in order (the first signs); empty = read {@code secretFile}
 * @param secretFile postsrsd's secret file, one secret a line
 * @param excluded   sender domains not rewritten, lower case
 */
public record SrsConfig(boolean enabled, String domain, List<String> secrets, Path secretFile,
        List<String> excluded) {

    private static final Pattern DOMAIN = Pattern.compile("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*"
            + "[a-z0-9])?)+");

    public SrsConfig {
        secrets = List.copyOf(secrets);
        excluded = List.copyOf(excluded);
    }

    public static SrsConfig off(Path stateDir) {
        return new SrsConfig(false, "", List.of(), stateDir.resolve("postsrsd.secret"), List.of());
    }

    interface Source {
        <T> T get(Setting<T> s);
    }

    static SrsConfig load(Source v, String hostname, Path stateDir) {
        String file = v.get(Settings.SRS_SECRET_FILE).strip();
        Path secretFile = file.isEmpty() ? stateDir.resolve("postsrsd.secret") : Path.of(file);
        List<String> secrets = Arrays.stream(v.get(Settings.SRS_SECRET).split(",")).map(String::strip)
                .filter(s -> !s.isEmpty()).toList();
        List<String> excluded = Arrays.stream(v.get(Settings.SRS_EXCLUDE_DOMAINS).split("[,;\\s]+"))
                .map(String::strip).filter(s -> !s.isEmpty()).map(s -> s.toLowerCase(Locale.ROOT)).toList();
        for (String x : excluded) {
            if (!DOMAIN.matcher(x.startsWith(".") ? x.substring(1) : x).matches()) {
                throw new ConfigException("srs.exclude-domains (SRS_EXCLUDE_DOMAINS): '" + x + "' is not a domain. "
                        + "Fix: " + Settings.SRS_EXCLUDE_DOMAINS.doc());
            }
        }
        boolean enabled = v.get(Settings.SRS_ENABLED);
        String domain = v.get(Settings.SRS_DOMAIN).strip().toLowerCase(Locale.ROOT);
        if (domain.isEmpty()) {
            String h = hostname.toLowerCase(Locale.ROOT);
            int dot = h.indexOf('.');
            domain = dot > 0 && h.indexOf('.', dot + 1) > 0 ? h.substring(dot + 1) : h;
        }
        if (enabled && !DOMAIN.matcher(domain).matches()) {
            throw new ConfigException("srs.domain (SRS_DOMAINNAME): '" + domain + "' is not a domain name"
                    + (v.get(Settings.SRS_DOMAIN).isBlank() ? " (derived from the hostname)" : "")
                    + ". Fix: set SRS_DOMAINNAME to a domain whose MX is this server, e.g. example.com");
        }
        return new SrsConfig(enabled, domain, secrets, secretFile, excluded);
    }
}
