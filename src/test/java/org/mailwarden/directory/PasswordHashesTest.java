package org.mailwarden.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

import org.apache.commons.codec.digest.Sha2Crypt;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordHashesTest {

    private static final char[] PASSWORD = "password".toCharArray();
    private static final char[] WRONG = "passwore".toCharArray();

    private static void assertVerifies(String stored, String password) {
        assertThat(PasswordHashes.verify(stored, password.toCharArray())).as("right password for %s", stored).isTrue();
        assertThat(PasswordHashes.verify(stored, (password + "x").toCharArray())).as("wrong password").isFalse();
        assertThat(PasswordHashes.verify(stored, new char[0])).as("empty password").isFalse();
    }

    /** Vectors from independent tools: glibc/libxcrypt crypt(3) via Python, OpenSSL, and the reference argon2 CLI. */
    @Nested
    class IndependentVectors {

        @Test
        void sha512Crypt() {
            // python3 -c "import crypt; print(crypt.crypt('password','$6$saltsalt$'))"; openssl passwd -6 agrees
            assertVerifies("{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq"
                    + ".qc.eoxqOmSuNp2xS0ktL3nh/", "password");
        }

        @Test
        void sha512CryptWithRounds() {
            assertVerifies("{SHA512-CRYPT}$6$rounds=10000$saltsaltsaltsalt$ven1Z5uj7RDawucOM1A67FJkxPT8ty925GjP2I3C1I1"
                    + "otSzw05mv4Y24JfAguQfbNUK9F68UUwzofnEXKC9xP/", "password");
        }

        @Test
        void sha512CryptNonAsciiPasswordIsUtf8() {
            assertVerifies("{SHA512-CRYPT}$6$saltsalt$TQjRhpJdqmLx0U8it3EsUajwkmOMMvw5vhUFc7mohzFFoj/QHrfYUHU1oSkwyCE"
                    + "oTUCDOiAOW135nel3bqtKe.", "pässwörd");
        }

        @Test
        void sha256Crypt() {
            assertVerifies("{SHA256-CRYPT}$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.", "password");
            assertVerifies("{SHA256-CRYPT}$5$rounds=12345$abcdefghijklmnop$H63QSNUfgCNHOTAJE3YeJSw1BXHGtOJASQniMlOPiSA",
                    "password");
        }

        @Test
        void bcrypt() {
            // libxcrypt's crypt(3) via Python
            assertVerifies("{BLF-CRYPT}$2b$05$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu", "password");
            assertVerifies("{BLF-CRYPT}$2a$06$0123456789ABCDEFGHIJKulsittk/iUQuUBK2cP8Mc1hxuVDUEUs2", "correct horse");
            assertVerifies("{BLF-CRYPT}$2y$05$abcdefghijklmnopqrstuuZVEMa1pjhlynBQ1qXmSvGBJpN9h1w8G", "pässwörd");
        }

        @Test
        void bcryptLooksAtTheFirst72BytesOnly() {
            String stored = "{BLF-CRYPT}$2b$05$abcdefghijklmnopqrstuuGUnCqbfgs3htOkLrFduUjAyLBw1Rq/u"; // "a" x 80
            assertThat(PasswordHashes.verify(stored, "a".repeat(80).toCharArray())).isTrue();
            assertThat(PasswordHashes.verify(stored, "a".repeat(72).toCharArray())).isTrue();
            assertThat(PasswordHashes.verify(stored, "a".repeat(71).toCharArray())).isFalse();
        }

        @Test
        void argon2idFromReferenceTool() {
            // echo -n password | argon2 somesaltsomesalt -id -t 3 -m 16 -p 1 -e  (Dovecot's usual parameters)
            assertVerifies("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$dmStS6GjyZn83QmR/8InD3gw"
                    + "LSODIz215778hdG7GBk", "password");
            assertVerifies("{ARGON2ID}$argon2id$v=19$m=1024,t=2,p=2$c2FsdHlzYWx0eXNhbHQ$1Fc6e4RgucOEyQV+W/76LUspLabq"
                    + "eGDVaFfGQZ9x13I", "pässwörd");
        }

        @Test
        void argon2iFromReferenceTool() {
            assertVerifies("{ARGON2I}$argon2i$v=19$m=1024,t=2,p=1$c2FsdHlzYWx0eXNhbHQ$DE+ddmKyzUGSHXga3CZp9UKPKQ8cVaa"
                    + "MXW+LIrFbctc", "password");
            // version 1.0 (-v 10)
            assertVerifies("{ARGON2I}$argon2i$v=16$m=1024,t=2,p=1$c2FsdHlzYWx0eXNhbHQ$NQv9NlsQ+6w1Y2stqQWw6pamRu7d1zC"
                    + "4sdypZnwWj6M", "password");
        }

        @Test
        void argon2AcceptsPaddedBase64() {
            assertVerifies("{ARGON2ID}$argon2id$v=19$m=1024,t=2,p=1$c2FsdHlzYWx0eXNhbHQ=$1iYP9va0OghzPIdGo3gp/xbZeB9y"
                    + "ylvUX/a5N4yMOlg=", "password");
            assertVerifies("{ARGON2ID}$argon2id$v=19$m=1024,t=2,p=1$c2FsdHlzYWx0eXNhbHQ$1iYP9va0OghzPIdGo3gp/xbZeB9y"
                    + "ylvUX/a5N4yMOlg", "password");
        }

        @Test
        void argon2HardCodedFromBouncyCastle() {
            // Generated once with Argon2BytesGenerator (and confirmed by the argon2 CLI); catches parsing regressions.
            assertVerifies("{ARGON2ID}$argon2id$v=19$m=2048,t=2,p=1$bWFpbHdhcmRlbi1zYWx0IQ$SyYyAOjPbkfBCXKou0NA06nTbe"
                    + "xDYJ3Z7JQy+QsTxbs", "s3cret pass");
        }

        @Test
        void md5AndDesCryptAreSupportedButWeak() {
            String md5 = "{MD5-CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";
            String des = "{CRYPT}abJnggxhB/yWI";
            assertVerifies(md5, "password");
            assertVerifies("{CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", "password");
            assertThat(PasswordHashes.verify(des, PASSWORD)).isTrue();
            assertThat(PasswordHashes.verify(des, WRONG)).isFalse();
            assertThat(PasswordHashes.isWeak(md5)).isTrue();
            assertThat(PasswordHashes.isWeak(des)).isTrue();
        }

        @Test
        void cryptDispatchesOnPrefix() {
            assertVerifies("{CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOm"
                    + "SuNp2xS0ktL3nh/", "password");
            assertVerifies("{CRYPT}$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.", "password");
            assertVerifies("{CRYPT}$2b$05$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu", "password");
            // Without a prefix Dovecot's passwd-file default, CRYPT, applies.
            assertVerifies("$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2x"
                    + "S0ktL3nh/", "password");
        }
    }

    /** Round trips through the same libraries, with random salts. */
    @Nested
    class GeneratedVectors {

        private final SecureRandom random = new SecureRandom();

        @Test
        void hashProducesSha512CryptWithSixteenCharSalt() {
            String stored = PasswordHashes.hash("Tr0ub4dor&3".toCharArray());
            assertThat(stored).matches("\\{SHA512-CRYPT}\\$6\\$[./0-9A-Za-z]{16}\\$[./0-9A-Za-z]{86}");
            assertThat(PasswordHashes.verify(stored, "Tr0ub4dor&3".toCharArray())).isTrue();
            assertThat(PasswordHashes.verify(stored, "Tr0ub4dor&4".toCharArray())).isFalse();
            assertThat(PasswordHashes.hash(PASSWORD)).isNotEqualTo(PasswordHashes.hash(PASSWORD));
        }

        @Test
        void sha256CryptFromCommonsCodec() {
            // Fresh bytes for each call: commons-codec zeroes the key array it is given.
            assertVerifies("{SHA256-CRYPT}" + Sha2Crypt.sha256Crypt("hunter2".getBytes(StandardCharsets.UTF_8)),
                    "hunter2");
            assertVerifies("{SHA512-CRYPT}" + Sha2Crypt.sha512Crypt("hunter2".getBytes(StandardCharsets.UTF_8),
                    "$6$rounds=2000$abc"), "hunter2");
        }

        @ParameterizedTest
        @ValueSource(strings = {"2a", "2b", "2y"})
        void bcryptFromBouncyCastle(String version) {
            byte[] salt = new byte[16];
            random.nextBytes(salt);
            assertVerifies("{BLF-CRYPT}" + OpenBSDBCrypt.generate(version, "hunter2".toCharArray(), salt, 4), "hunter2");
        }

        @ParameterizedTest
        @ValueSource(ints = {Argon2Parameters.ARGON2_id, Argon2Parameters.ARGON2_i})
        void argon2PhcStringFromBouncyCastle(int type) {
            byte[] salt = new byte[16];
            random.nextBytes(salt);
            Argon2BytesGenerator generator = new Argon2BytesGenerator();
            generator.init(new Argon2Parameters.Builder(type).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                    .withMemoryAsKB(512).withIterations(2).withParallelism(2).withSalt(salt).build());
            byte[] hash = new byte[32];
            generator.generateBytes("hunter2".toCharArray(), hash);
            Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
            String name = type == Argon2Parameters.ARGON2_id ? "argon2id" : "argon2i";
            String phc = "$" + name + "$v=19$m=512,t=2,p=2$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
            assertVerifies("{" + name.toUpperCase() + "}" + phc, "hunter2");
        }
    }

    @Nested
    class Plain {

        @Test
        void plainComparesExactly() {
            assertVerifies("{PLAIN}secret", "secret");
            assertThat(PasswordHashes.verify("{PLAIN}secret", "secre".toCharArray())).isFalse();
            assertThat(PasswordHashes.verify("{PLAIN}secret", "Secret".toCharArray())).isFalse();
            assertVerifies("{CLEARTEXT}pässwörd", "pässwörd");
            assertThat(PasswordHashes.verify("{PLAIN}", new char[0])).isTrue();
        }

        @Test
        void plainIsWeak() {
            assertThat(PasswordHashes.isWeak("{PLAIN}secret")).isTrue();
            assertThat(PasswordHashes.isWeak("{plain}secret")).isTrue();
            assertThat(PasswordHashes.isWeak(PasswordHashes.hash(PASSWORD))).isFalse();
            assertThat(PasswordHashes.isWeak("{BLF-CRYPT}$2b$05$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu"))
                    .isFalse();
            assertThat(PasswordHashes.isWeak("{NOPE}x")).isFalse();
        }
    }

    @Nested
    class Malformed {

        @ParameterizedTest
        @ValueSource(strings = {
                "",
                "{",
                "{SHA512-CRYPT",
                "{}password",
                "{UNKNOWN}password",
                "{SHA512-CRYPT}",
                "{SHA512-CRYPT}password",
                "{SHA512-CRYPT}$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.", // $5$ under the $6$ scheme
                "{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2", // truncated
                "{SHA512-CRYPT}$6$rounds=x$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc"
                        + ".eoxqOmSuNp2xS0ktL3nh/",
                "{BLF-CRYPT}$2b$05$abc",
                "{BLF-CRYPT}$2x$05$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu",
                "{BLF-CRYPT}$2b$99$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu",
                "{BLF-CRYPT}$2b$03$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu",
                "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA", // no hash
                "{ARGON2ID}$argon2i$v=19$m=1024,t=2,p=1$c2FsdHlzYWx0eXNhbHQ$DE+ddmKyzUGSHXga3CZp9UKPKQ8cVaaMXW+LIrFbctc",
                "{ARGON2ID}$argon2id$v=19$m=1024,t=2$c2FsdHlzYWx0eXNhbHQ$1iYP9va0OghzPIdGo3gp/xbZeB9yylvUX/a5N4yMOlg",
                "{ARGON2ID}$argon2id$v=19$m=1024,t=2,p=1,p=1$c2FsdHlzYWx0eXNhbHQ$1iYP9va0OghzPIdGo3gp/xbZeB9yylvUX/a5N4",
                "{ARGON2ID}$argon2id$v=18$m=1024,t=2,p=1$c2FsdHlzYWx0eXNhbHQ$1iYP9va0OghzPIdGo3gp/xbZeB9yylvUX/a5N4yMOlg",
                "{ARGON2ID}$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHlzYWx0eXNhbHQ$1iYP9va0OghzPIdGo3gp/xbZeB9yylvUX/a5N4",
                "{ARGON2ID}$argon2id$v=19$m=1024,t=0,p=1$c2FsdHlzYWx0eXNhbHQ$1iYP9va0OghzPIdGo3gp/xbZeB9yylvUX/a5N4yMOlg",
                "{ARGON2ID}$argon2id$v=19$m=1024,t=2,p=1$c2F=sdHl$1iYP9va0OghzPIdGo3gp/xbZeB9yylvUX/a5N4yMOlg",
                "{ARGON2ID}$argon2id$v=19$m=1024,t=2,p=1$c2Fs$1iYP9va0OghzPIdGo3gp/xbZeB9yylvUX/a5N4yMOlg", // 3-byte salt
                "{ARGON2I}$argon2d$v=19$m=1024,t=2,p=1$c2FsdHlzYWx0eXNhbHQ$DE+ddmKyzUGSHXga3CZp9UKPKQ8cVaaMXW+LIrFbctc",
                "{MD5-CRYPT}$1$saltsalt$short",
                "{CRYPT}password",
                "{CRYPT}$y$j9T$saltsaltsaltsalt$Uxvkjnhdr/2B6SINV1mXACdXVbd5kc899ms5aqhxMQD", // yescrypt: unsupported
        })
        void neverMatchesAndNeverThrows(String stored) {
            assertThat(PasswordHashes.verify(stored, PASSWORD)).isFalse();
            assertThat(PasswordHashes.verify(stored, "".toCharArray())).isFalse();
            assertThat(PasswordHashes.isSupported(stored)).isFalse();
            assertThat(PasswordHashes.isWeak(stored)).isFalse();
        }

        @Test
        void nullsAreFalse() {
            assertThat(PasswordHashes.verify(null, PASSWORD)).isFalse();
            assertThat(PasswordHashes.verify("{PLAIN}x", null)).isFalse();
            assertThat(PasswordHashes.isSupported(null)).isFalse();
            assertThat(PasswordHashes.isWeak(null)).isFalse();
            assertThat(PasswordHashes.scheme(null)).isEmpty();
        }
    }

    @Test
    void schemeNames() {
        assertThat(PasswordHashes.scheme("{SHA512-CRYPT}$6$x$y")).isEqualTo("SHA512-CRYPT");
        assertThat(PasswordHashes.scheme("{blf-crypt}$2b$...")).isEqualTo("BLF-CRYPT");
        assertThat(PasswordHashes.scheme("{ARGON2ID}$argon2id$...")).isEqualTo("ARGON2ID");
        assertThat(PasswordHashes.scheme("{UNKNOWN}x")).isEqualTo("UNKNOWN");
        assertThat(PasswordHashes.scheme("$6$saltsalt$abc")).isEqualTo("CRYPT");
        assertThat(PasswordHashes.scheme("{SHA512-CRYPT")).isEmpty();
        assertThat(PasswordHashes.scheme("{}x")).isEmpty();
    }

    @Test
    void schemeNameIsCaseInsensitive() {
        assertThat(PasswordHashes.verify("{sha256-crypt}$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.",
                PASSWORD)).isTrue();
    }
}
