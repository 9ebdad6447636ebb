package org.mailwarden.config;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;

/**
 * One documented setting: its key in mailwarden.conf, the docker-mailserver environment variable that sets it
 * (null where none exists), its default and what it is for. The sample config and the docs come from these.
 */
public record Setting<T>(String key, String env, String defaultValue, String doc, Function<String, T> parser) {

    public T parse(String raw, String source) {
        try {
            return parser.apply(raw.strip());
        } catch (RuntimeException e) {
            throw new ConfigException("invalid value '" + raw + "' for " + key + " (from " + source + "): "
                    + e.getMessage() + ". Fix: " + doc);
        }
    }

    static Setting<Integer> integer(String key, String env, int def, int min, int max, String doc) {
        return new Setting<>(key, env, Integer.toString(def), doc, s -> {
            int v = Integer.parseInt(s);
            if (v < min || v > max) {
                throw new IllegalArgumentException("must be between " + min + " and " + max);
            }
            return v;
        });
    }

    static Setting<Long> size(String key, String env, long def, long min, String doc) {
        return new Setting<>(key, env, Long.toString(def), doc, s -> {
            long v = parseSize(s);
            if (v < min) {
                throw new IllegalArgumentException("must be at least " + min + " bytes");
            }
            return v;
        });
    }

    static Setting<Duration> duration(String key, String env, String def, String doc) {
        return new Setting<>(key, env, def, doc, Setting::parseDuration);
    }

    /** A duration where 0 turns the feature off. */
    static Setting<Duration> durationOrOff(String key, String env, String def, String doc) {
        return new Setting<>(key, env, def, doc, s -> s.equals("0") ? Duration.ZERO : parseDuration(s));
    }

    /** "1"/"0", "true"/"false", "yes"/"no", "on"/"off" (docker-mailserver uses 1 and 0). */
    static Setting<Boolean> bool(String key, String env, boolean def, String doc) {
        return new Setting<>(key, env, def ? "1" : "0", doc, s -> switch (s.toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            case "0", "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("expected 1 or 0");
        });
    }

    static Setting<String> string(String key, String env, String def, String doc) {
        return new Setting<>(key, env, def, doc, s -> s);
    }

    /** A comma- or space-separated list of CIDR networks or addresses; empty = none. */
    static Setting<java.util.List<Cidr>> cidrs(String key, String env, String def, String doc) {
        return new Setting<>(key, env, def, doc, Setting::parseCidrs);
    }

    static java.util.List<Cidr> parseCidrs(String s) {
        return java.util.Arrays.stream(s.split("[,\\s]+")).map(String::strip).filter(t -> !t.isEmpty())
                .map(Cidr::parse).toList();
    }

    static <E extends Enum<E>> Setting<E> choice(String key, String env, E def, Class<E> type, String doc) {
        return new Setting<>(key, env, def.name().toLowerCase(Locale.ROOT), doc, s -> {
            try {
                return Enum.valueOf(type, s.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("expected one of "
                        + java.util.Arrays.stream(type.getEnumConstants())
                                .map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
            }
        });
    }

    /** "10240000", "10M", "512K", "1G" (binary multiples). */
    static long parseSize(String s) {
        String t = s.toUpperCase(Locale.ROOT);
        long mult = 1;
        if (t.endsWith("K")) {
            mult = 1024;
        } else if (t.endsWith("M")) {
            mult = 1024 * 1024;
        } else if (t.endsWith("G")) {
            mult = 1024L * 1024 * 1024;
        }
        if (mult != 1) {
            t = t.substring(0, t.length() - 1);
        }
        return Math.multiplyExact(Long.parseLong(t.strip()), mult);
    }

    /** "300" (seconds), "300s", "5m", "1h", "500ms". */
    public static Duration parseDuration(String s) {
        String t = s.toLowerCase(Locale.ROOT);
        Duration d;
        if (t.endsWith("ms")) {
            d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        } else if (t.endsWith("s")) {
            d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
        } else if (t.endsWith("m")) {
            d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
        } else if (t.endsWith("h")) {
            d = Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
        } else if (t.endsWith("d")) {
            d = Duration.ofDays(Long.parseLong(t.substring(0, t.length() - 1)));
        } else {
            d = Duration.ofSeconds(Long.parseLong(t));
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("must be positive, e.g. 300s or 5m");
        }
        return d;
    }
}
