package org.mailwarden.directory;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.codec.digest.Md5Crypt;
import org.apache.commons.codec.digest.Sha2Crypt;
import org.apache.commons.codec.digest.UnixCrypt;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Password hashes in Dovecot's {@code {SCHEME}hash} notation, as docker-mailserver writes them to
 * postfix-accounts.cf.
 *
 * <p>Verification never throws: an unknown scheme or a malformed hash simply does not match, so one bad line in
 * an accounts file cannot break logins for anybody else. Derived values are compared in constant time.
 *
 * <p>Supported: SHA512-CRYPT ($6$), SHA256-CRYPT ($5$), BLF-CRYPT (bcrypt $2a$/$2b$/$2y$), ARGON2ID, ARGON2I,
 * MD5-CRYPT ($1$), DES-CRYPT, CRYPT (dispatches on the crypt(3) prefix) and PLAIN/CLEAR/CLEARTEXT. A hash
 * without a {SCHEME} prefix is read as CRYPT, Dovecot's default for passwd-files.
 */
public final class PasswordHashes {

    /** The scheme used for new hashes: what docker-mailserver's setup script writes too. */
    public static final String DEFAULT_SCHEME = "SHA512-CRYPT";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String CRYPT_ALPHABET =
            "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    // bcrypt uses its own base64 alphabet (different order from crypt's)
    private static final String BCRYPT_ALPHABET =
            "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private static final Pattern SCHEME_NAME = Pattern.compile("[A-Z0-9][A-Z0-9.-]*");
    private static final Pattern SHA_CRYPT =
            Pattern.compile("\\$([56])\\$(rounds=[0-9]{1,9}\\$)?[./0-9A-Za-z]{1,16}\\$([./0-9A-Za-z]+)");
    private static final Pattern BCRYPT =
            Pattern.compile("\\$(2[aby])\\$([0-9]{2})\\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})");
    private static final Pattern MD5_CRYPT = Pattern.compile("\\$1\\$[./0-9A-Za-z]{1,8}\\$[./0-9A-Za-z]{22}");
    private static final Pattern DES_CRYPT = Pattern.compile("[./0-9A-Za-z]{13}");
    private static final Pattern ARGON2 = Pattern.compile("\\$(argon2id|argon2i)(?:\\$v=([0-9]{1,3}))?"
            + "\\$([a-z0-9=,]+)\\$([A-Za-z0-9+/]+={0,2})\\$([A-Za-z0-9+/]+={0,2})");

    // Limits on parameters read from a stored hash. The accounts file is trusted, but a typo such as an extra
    // zero in an Argon2 memory cost would otherwise exhaust the heap on every login attempt.
    private static final int ARGON2_MAX_MEMORY_KIB = 1 << 20; // 1 GiB
    private static final int ARGON2_MAX_ITERATIONS = 1_000;
    private static final int ARGON2_MAX_LANES = 255;

    private PasswordHashes() {}

    /** What a stored hash turned out to be, once parsed and validated. */
    private sealed interface Parsed {}

    /** $5$ or $6$; {@code prefix} is "$6$[rounds=N$]salt", {@code full} the whole crypt string. */
    private record ShaCrypt(char variant, String prefix, String full) implements Parsed {}

    private record BCrypt(String version, int cost, String saltText, String hashText) implements Parsed {}

    private record Argon2(int type, int version, int memoryKib, int iterations, int lanes, byte[] salt, byte[] hash)
            implements Parsed {}

    private record Md5(String full) implements Parsed {}

    private record Des(String full) implements Parsed {}

    private record Plain(String value) implements Parsed {}

    /**
     * True if the password matches the stored hash. False for a wrong password, an unknown scheme, a malformed hash
     * or null arguments; never throws.
     */
    public static boolean verify(String storedHash, char[] password) {
        if (storedHash == null || password == null) {
            return false;
        }
        Optional<Parsed> parsed = parse(storedHash);
        if (parsed.isEmpty()) {
            return false;
        }
        byte[] key = utf8(password);
        try {
            return matches(parsed.get(), key);
        } catch (RuntimeException e) {
            // The libraries throw IllegalArgumentException on input they dislike; for us that is "no match".
            return false;
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** A new {@code {SHA512-CRYPT}$6$<16 random salt chars>$...} hash of the password. */
    public static String hash(char[] password) {
        StringBuilder salt = new StringBuilder(16);
        for (int i = 0; i < 16; i++) {
            salt.append(CRYPT_ALPHABET.charAt(RANDOM.nextInt(CRYPT_ALPHABET.length())));
        }
        byte[] key = utf8(password);
        try {
            return "{" + DEFAULT_SCHEME + "}" + Sha2Crypt.sha512Crypt(key, "$6$" + salt);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /**
     * The scheme name of a stored hash, upper case, without braces: "SHA512-CRYPT", "PLAIN", ...; "CRYPT" when there
     * is no {SCHEME} prefix (Dovecot's passwd-file default); "" for null or a broken prefix such as "{SHA512".
     * The name is returned whether or not this class supports it.
     */
    public static String scheme(String storedHash) {
        if (storedHash == null) {
            return "";
        }
        if (!storedHash.startsWith("{")) {
            return "CRYPT";
        }
        int end = storedHash.indexOf('}');
        if (end < 0) {
            return "";
        }
        String name = storedHash.substring(1, end).toUpperCase(Locale.ROOT);
        return SCHEME_NAME.matcher(name).matches() ? name : "";
    }

    /** True if {@link #verify} can ever succeed for this stored hash: the scheme is known and the hash well formed. */
    public static boolean isSupported(String storedHash) {
        return storedHash != null && parse(storedHash).isPresent();
    }

    /**
     * True for hashes that are supported but should be replaced: plain text, and crypt(3) DES or MD5 (fast,
     * and DES only looks at 8 characters). For a configuration audit.
     */
    public static boolean isWeak(String storedHash) {
        if (storedHash == null) {
            return false;
        }
        return switch (parse(storedHash).orElse(null)) {
            case Plain _, Md5 _, Des _ -> true;
            case null, default -> false;
        };
    }

    private static Optional<Parsed> parse(String storedHash) {
        String scheme = scheme(storedHash);
        if (scheme.isEmpty()) {
            return Optional.empty();
        }
        String body = storedHash.startsWith("{") ? storedHash.substring(storedHash.indexOf('}') + 1) : storedHash;
        try {
            return switch (scheme) {
                case "SHA512-CRYPT" -> shaCrypt(body, '6');
                case "SHA256-CRYPT" -> shaCrypt(body, '5');
                case "BLF-CRYPT" -> bcrypt(body);
                case "ARGON2ID" -> argon2(body, Argon2Parameters.ARGON2_id);
                case "ARGON2I" -> argon2(body, Argon2Parameters.ARGON2_i);
                case "MD5-CRYPT" -> md5(body);
                case "DES-CRYPT" -> des(body);
                case "CRYPT" -> crypt(body);
                case "PLAIN", "CLEAR", "CLEARTEXT" -> Optional.of(new Plain(body));
                default -> Optional.empty();
            };
        } catch (RuntimeException e) {
            return Optional.empty(); // e.g. an integer out of range or bad base64: malformed
        }
    }

    /** Dovecot's CRYPT is whatever the system crypt(3) understands; dispatch on the $n$ prefix like it does. */
    private static Optional<Parsed> crypt(String body) {
        if (body.startsWith("$6$")) {
            return shaCrypt(body, '6');
        } else if (body.startsWith("$5$")) {
            return shaCrypt(body, '5');
        } else if (body.startsWith("$2")) {
            return bcrypt(body);
        } else if (body.startsWith("$1$")) {
            return md5(body);
        }
        return des(body);
    }

    private static Optional<Parsed> shaCrypt(String body, char variant) {
        Matcher m = SHA_CRYPT.matcher(body);
        if (!m.matches() || m.group(1).charAt(0) != variant) {
            return Optional.empty();
        }
        int hashLength = variant == '6' ? 86 : 43;
        if (m.group(3).length() != hashLength) {
            return Optional.empty();
        }
        String prefix = body.substring(0, m.start(3) - 1);
        return Optional.of(new ShaCrypt(variant, prefix, body));
    }

    private static Optional<Parsed> bcrypt(String body) {
        Matcher m = BCRYPT.matcher(body);
        if (!m.matches()) {
            return Optional.empty();
        }
        int cost = Integer.parseInt(m.group(2));
        if (cost < 4 || cost > 31) {
            return Optional.empty();
        }
        return Optional.of(new BCrypt(m.group(1), cost, m.group(3), m.group(4)));
    }

    private static Optional<Parsed> md5(String body) {
        return MD5_CRYPT.matcher(body).matches() ? Optional.of(new Md5(body)) : Optional.empty();
    }

    private static Optional<Parsed> des(String body) {
        return DES_CRYPT.matcher(body).matches() ? Optional.of(new Des(body)) : Optional.empty();
    }

    /** PHC string: {@code $argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>}, base64 with or without padding. */
    private static Optional<Parsed> argon2(String body, int type) {
        Matcher m = ARGON2.matcher(body);
        if (!m.matches()) {
            return Optional.empty();
        }
        int expectedType = m.group(1).equals("argon2id") ? Argon2Parameters.ARGON2_id : Argon2Parameters.ARGON2_i;
        if (expectedType != type) {
            return Optional.empty(); // {ARGON2ID} holding an $argon2i$ string is a configuration mistake
        }
        // An absent v= means the original 1.0 version (0x10), as in the reference implementation.
        int version = m.group(2) == null ? Argon2Parameters.ARGON2_VERSION_10 : Integer.parseInt(m.group(2));
        if (version != Argon2Parameters.ARGON2_VERSION_10 && version != Argon2Parameters.ARGON2_VERSION_13) {
            return Optional.empty();
        }
        Map<String, Long> params = new HashMap<>();
        for (String param : m.group(3).split(",", -1)) {
            int eq = param.indexOf('=');
            if (eq <= 0 || !param.substring(eq + 1).matches("[0-9]{1,10}")
                    || params.put(param.substring(0, eq), Long.parseLong(param.substring(eq + 1))) != null) {
                return Optional.empty();
            }
        }
        // keyid= and data= would change the result; we do not support them
        if (!params.keySet().equals(Set.of("m", "t", "p"))) {
            return Optional.empty();
        }
        long memory = params.get("m");
        long iterations = params.get("t");
        long lanes = params.get("p");
        if (iterations < 1 || iterations > ARGON2_MAX_ITERATIONS || lanes < 1 || lanes > ARGON2_MAX_LANES
                || memory < 8 * lanes || memory > ARGON2_MAX_MEMORY_KIB) {
            return Optional.empty();
        }
        byte[] salt = Base64.getDecoder().decode(m.group(4));
        byte[] hash = Base64.getDecoder().decode(m.group(5));
        if (salt.length < 8 || hash.length < 4 || hash.length > 1024) {
            return Optional.empty();
        }
        return Optional.of(new Argon2(type, version, (int) memory, (int) iterations, (int) lanes, salt, hash));
    }

    /** Uses {@code key} once only: commons-codec's crypt functions zero the array they are given. */
    private static boolean matches(Parsed parsed, byte[] key) {
        return switch (parsed) {
            case ShaCrypt s -> {
                String derived = s.variant() == '6' ? Sha2Crypt.sha512Crypt(key, s.prefix())
                        : Sha2Crypt.sha256Crypt(key, s.prefix());
                yield equalStrings(derived, s.full());
            }
            case BCrypt b -> {
                String derived = OpenBSDBCrypt.generate(b.version(), key, decodeBcryptSalt(b.saltText()), b.cost());
                // Compare only the hash part: a stored salt with non-canonical trailing bits re-encodes differently.
                yield equalStrings(derived.substring(derived.length() - 31), b.hashText());
            }
            case Argon2 a -> {
                Argon2Parameters params = new Argon2Parameters.Builder(a.type())
                        .withVersion(a.version())
                        .withMemoryAsKB(a.memoryKib())
                        .withIterations(a.iterations())
                        .withParallelism(a.lanes())
                        .withSalt(a.salt())
                        .build();
                Argon2BytesGenerator generator = new Argon2BytesGenerator();
                generator.init(params);
                byte[] derived = new byte[a.hash().length];
                generator.generateBytes(key, derived);
                yield MessageDigest.isEqual(derived, a.hash());
            }
            case Md5 m -> {
                String salt = m.full().substring(0, m.full().lastIndexOf('$'));
                yield equalStrings(Md5Crypt.md5Crypt(key, salt), m.full());
            }
            case Des d -> equalStrings(UnixCrypt.crypt(key, d.full().substring(0, 2)), d.full());
            case Plain p -> {
                // Compare digests so that not even the length of the stored password leaks through timing.
                byte[] stored = p.value().getBytes(StandardCharsets.UTF_8);
                yield MessageDigest.isEqual(sha256(key), sha256(stored));
            }
        };
    }

    private static boolean equalStrings(String derived, String stored) {
        return MessageDigest.isEqual(derived.getBytes(StandardCharsets.UTF_8), stored.getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes bcrypt's 22-character salt into its 16 bytes (the last character carries 2 spare bits). */
    private static byte[] decodeBcryptSalt(String text) {
        byte[] out = new byte[16];
        int pos = 0;
        int acc = 0;
        int bits = 0;
        for (int i = 0; i < text.length() && pos < out.length; i++) {
            acc = (acc << 6) | BCRYPT_ALPHABET.indexOf(text.charAt(i));
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out[pos++] = (byte) (acc >> bits);
                acc &= (1 << bits) - 1;
            }
        }
        return out;
    }

    /** UTF-8 bytes of the password without going through an immutable String. */
    private static byte[] utf8(char[] password) {
        ByteBuffer buffer = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        if (buffer.hasArray()) {
            Arrays.fill(buffer.array(), (byte) 0);
        }
        return bytes;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
