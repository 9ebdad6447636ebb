package org.mailwarden.store;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The flags of a stored message as a value: its system flags and its keywords (RFC 3501 2.3.2). Keywords are
 * case-insensitive: a set holds each once, in the spelling and order it first came with. How a backend stores them
 * (Maildir info letters and dovecot-keywords) is the backend's business.
 */
public record MessageFlags(Set<SystemFlag> system, Set<String> keywords) {

    public static final MessageFlags NONE = new MessageFlags(Set.of(), Set.of());

    public MessageFlags {
        system = system.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(system));
        keywords = keywords.isEmpty() ? Set.of() : Collections.unmodifiableSet(distinct(keywords));
    }

    public static MessageFlags of(SystemFlag... flags) {
        return new MessageFlags(List.of(flags).isEmpty() ? Set.of() : EnumSet.copyOf(List.of(flags)), Set.of());
    }

    public boolean has(SystemFlag flag) {
        return system.contains(flag);
    }

    /** Whether the keyword is set, in any case. */
    public boolean hasKeyword(String keyword) {
        for (String k : keywords) {
            if (k.equalsIgnoreCase(keyword)) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return system.isEmpty() && keywords.isEmpty();
    }

    /** These flags and {@code more}'s. */
    public MessageFlags plus(MessageFlags more) {
        EnumSet<SystemFlag> s = EnumSet.noneOf(SystemFlag.class);
        s.addAll(system);
        s.addAll(more.system);
        List<String> k = new ArrayList<>(keywords);
        k.addAll(more.keywords);
        return new MessageFlags(s, new LinkedHashSet<>(k));
    }

    /** These flags without {@code less}'s (keywords compared in any case). */
    public MessageFlags minus(MessageFlags less) {
        EnumSet<SystemFlag> s = EnumSet.noneOf(SystemFlag.class);
        s.addAll(system);
        s.removeAll(less.system);
        List<String> k = new ArrayList<>();
        for (String kw : keywords) {
            if (!less.hasKeyword(kw)) {
                k.add(kw);
            }
        }
        return new MessageFlags(s, new LinkedHashSet<>(k));
    }

    public MessageFlags with(SystemFlag flag) {
        return has(flag) ? this : plus(of(flag));
    }

    private static Set<String> distinct(Collection<String> keywords) {
        Set<String> seen = new java.util.HashSet<>();
        Set<String> out = new LinkedHashSet<>();
        for (String k : keywords) {
            if (seen.add(k.toLowerCase(Locale.ROOT))) {
                out.add(k);
            }
        }
        return out;
    }
}
