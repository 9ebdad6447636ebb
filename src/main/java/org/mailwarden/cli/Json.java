package org.mailwarden.cli;

import java.util.Collection;
import java.util.Map;

/** Just enough JSON writing for --json output: strings, lists of strings, flat objects. */
final class Json {
    private Json() {}

    static String string(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    static String strings(Collection<String> values) {
        return "[" + String.join(",", values.stream().map(Json::string).toList()) + "]";
    }

    /** An object from already-encoded values, in map order. */
    static String object(Map<String, String> encodedValues) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, String> e : encodedValues.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append(string(e.getKey())).append(':').append(e.getValue());
        }
        return b.append('}').toString();
    }
}
