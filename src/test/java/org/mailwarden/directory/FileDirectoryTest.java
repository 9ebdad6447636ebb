package org.mailwarden.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileDirectoryTest {

    private static final String ACCOUNTS = "postfix-accounts.cf";
    private static final String VIRTUAL = "postfix-virtual.cf";
    private static final String REGEXP = "postfix-regexp.cf";

    // Independent vectors (glibc/libxcrypt crypt(3), reference argon2 CLI); see PasswordHashesTest.
    private static final String SHA512_PASSWORD = "{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2"
            + "/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/";
    private static final String SHA256_PASSWORD = "{SHA256-CRYPT}$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.";
    private static final String BCRYPT_PASSWORD =
            "{BLF-CRYPT}$2b$05$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu";
    private static final String ARGON2ID_PASSWORD = "{ARGON2ID}$argon2id$v=19$m=1024,t=2,p=1$c2FsdHlzYWx0eXNhbHQ"
            + "$1iYP9va0OghzPIdGo3gp/xbZeB9yylvUX/a5N4yMOlg";
    private static final String ARGON2I_PASSWORD = "{ARGON2I}$argon2i$v=19$m=1024,t=2,p=1$c2FsdHlzYWx0eXNhbHQ"
            + "$DE+ddmKyzUGSHXga3CZp9UKPKQ8cVaaMXW+LIrFbctc";
    private static final String CRYPT_PASSWORD = "{CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2"
            + "/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/";

    @TempDir
    Path dir;

    @BeforeEach
    void accounts() throws IOException {
        write(ACCOUNTS, """
                # docker-mailserver accounts
                alice@example.com|%s
                Bob@Example.com|%s|extra|fields
                carol@example.com|%s
                dave@example.org|%s
                erin@example.org|%s
                frank@example.org|%s
                grace@example.org|{PLAIN}letmein
                """.formatted(SHA512_PASSWORD, SHA256_PASSWORD, BCRYPT_PASSWORD, ARGON2ID_PASSWORD,
                ARGON2I_PASSWORD, CRYPT_PASSWORD));
    }

    private void write(String file, String content) throws IOException {
        Files.writeString(dir.resolve(file), content, StandardCharsets.UTF_8);
    }

    private FileDirectory directory() {
        return new FileDirectory(dir, Duration.ZERO, Set.of(), "+");
    }

    private static Resolution deliver(Set<String> mailboxes, Set<String> forwards) {
        return new Resolution.Deliver(mailboxes, forwards);
    }

    @Test
    void deliversToAccount() {
        FileDirectory directory = directory();
        assertThat(directory.resolve("alice@example.com")).isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
        assertThat(directory.resolve("ALICE@Example.COM")).isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
        assertThat(directory.resolve("bob@example.com")).isEqualTo(deliver(Set.of("bob@example.com"), Set.of()));
        assertThat(directory.problems()).isEmpty();
    }

    @Test
    void localDomainsComeFromAccountsAliasesAndExtras() throws IOException {
        write(VIRTUAL, "info@example.net alice@example.com\n@catchall.test alice@example.com\n");
        FileDirectory directory = new FileDirectory(dir, Duration.ZERO, Set.of("Extra.Test"), "+");
        assertThat(directory.localDomains())
                .containsExactlyInAnyOrder("example.com", "example.org", "example.net", "catchall.test", "extra.test");
        assertThat(directory.isLocalDomain("EXAMPLE.NET")).isTrue();
        assertThat(directory.resolve("nobody@extra.test")).isEqualTo(new Resolution.UnknownUser());
    }

    @Test
    void aliasFansOutToTwoAccounts() throws IOException {
        write(VIRTUAL, "team@example.com alice@example.com, bob@example.com\n");
        assertThat(directory().resolve("team@example.com"))
                .isEqualTo(deliver(Set.of("alice@example.com", "bob@example.com"), Set.of()));
    }

    @Test
    void targetsMaySeparateByCommasAndOrWhitespace() throws IOException {
        write(VIRTUAL, "team@example.com alice@example.com,bob@example.com   carol@example.com ,  DAVE@example.org\n");
        assertThat(directory().resolve("team@example.com")).isEqualTo(deliver(
                Set.of("alice@example.com", "bob@example.com", "carol@example.com", "dave@example.org"), Set.of()));
    }

    @Test
    void continuationLinesExtendTheEntry() throws IOException {
        write(VIRTUAL, "team@example.com alice@example.com,\n    bob@example.com\n");
        assertThat(directory().resolve("team@example.com"))
                .isEqualTo(deliver(Set.of("alice@example.com", "bob@example.com"), Set.of()));
    }

    @Test
    void aliasToAlias() throws IOException {
        write(VIRTUAL, """
                sales@example.com team@example.com, carol@example.com
                team@example.com alice@example.com bob@example.com
                """);
        assertThat(directory().resolve("sales@example.com")).isEqualTo(
                deliver(Set.of("alice@example.com", "bob@example.com", "carol@example.com"), Set.of()));
    }

    @Test
    void aliasToForeignAddressIsAForward() throws IOException {
        write(VIRTUAL, "friends@example.com alice@example.com, Someone@Elsewhere.net\n");
        assertThat(directory().resolve("friends@example.com"))
                .isEqualTo(deliver(Set.of("alice@example.com"), Set.of("someone@elsewhere.net")));
    }

    @Test
    void aliasListingItselfKeepsACopy() throws IOException {
        write(VIRTUAL, "alice@example.com alice@example.com, alice@gmail.test\n");
        assertThat(directory().resolve("alice@example.com"))
                .isEqualTo(deliver(Set.of("alice@example.com"), Set.of("alice@gmail.test")));
    }

    @Test
    void exactAliasOverridesAccount() throws IOException {
        write(VIRTUAL, "alice@example.com bob@example.com\n");
        assertThat(directory().resolve("alice@example.com")).isEqualTo(deliver(Set.of("bob@example.com"), Set.of()));
    }

    @Test
    void catchAll() throws IOException {
        write(VIRTUAL, "@example.com carol@example.com\n");
        assertThat(directory().resolve("whatever@example.com"))
                .isEqualTo(deliver(Set.of("carol@example.com"), Set.of()));
    }

    @Test
    void exactAliasBeatsCatchAll() throws IOException {
        write(VIRTUAL, "@example.com carol@example.com\ninfo@example.com bob@example.com\n");
        assertThat(directory().resolve("info@example.com")).isEqualTo(deliver(Set.of("bob@example.com"), Set.of()));
    }

    @Test
    void accountBeatsCatchAll() throws IOException {
        write(VIRTUAL, "@example.com carol@example.com\n");
        assertThat(directory().resolve("alice@example.com")).isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
    }

    @Test
    void regexpAliasWithGroup() throws IOException {
        write(REGEXP, """
                # route per-user lists
                /^list-(alice|bob)@example\\.com$/ $1@example.com
                /^ticket-[0-9]+@example\\.org$/ dave@example.org, ops@elsewhere.net
                """);
        FileDirectory directory = directory();
        assertThat(directory.resolve("list-bob@example.com")).isEqualTo(deliver(Set.of("bob@example.com"), Set.of()));
        assertThat(directory.resolve("LIST-ALICE@example.com"))
                .isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
        assertThat(directory.resolve("ticket-42@example.org"))
                .isEqualTo(deliver(Set.of("dave@example.org"), Set.of("ops@elsewhere.net")));
        assertThat(directory.resolve("list-carol@example.com")).isEqualTo(new Resolution.UnknownUser());
        assertThat(directory.problems()).isEmpty();
    }

    @Test
    void regexpIsCaseInsensitiveUnlessFlagged() throws IOException {
        write(REGEXP, "/^INFO@/i alice@example.com\n/^SALES@/ bob@example.com\n");
        FileDirectory directory = directory();
        assertThat(directory.resolve("info@example.com")).isEqualTo(new Resolution.UnknownUser());
        assertThat(directory.resolve("sales@example.com")).isEqualTo(deliver(Set.of("bob@example.com"), Set.of()));
    }

    @Test
    void exactAliasAndAccountBeatRegexp() throws IOException {
        write(VIRTUAL, "info@example.com carol@example.com\n");
        write(REGEXP, "/@example\\.com$/ bob@example.com\n");
        FileDirectory directory = directory();
        assertThat(directory.resolve("info@example.com")).isEqualTo(deliver(Set.of("carol@example.com"), Set.of()));
        assertThat(directory.resolve("alice@example.com")).isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
        assertThat(directory.resolve("other@example.com")).isEqualTo(deliver(Set.of("bob@example.com"), Set.of()));
    }

    @Test
    void subAddressDeliversToUser() {
        FileDirectory directory = directory();
        assertThat(directory.resolve("alice+newsletters@example.com"))
                .isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
        assertThat(directory.resolve("alice+a+b@example.com")).isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
        assertThat(directory.resolve("+tag@example.com")).isEqualTo(new Resolution.UnknownUser());
    }

    @Test
    void subAddressOfAnAlias() throws IOException {
        write(VIRTUAL, "team@example.com alice@example.com, bob@example.com\n");
        assertThat(directory().resolve("team+urgent@example.com"))
                .isEqualTo(deliver(Set.of("alice@example.com", "bob@example.com"), Set.of()));
    }

    @Test
    void exactSubAddressAliasBeatsTheUser() throws IOException {
        write(VIRTUAL, "alice+spam@example.com bob@example.com\n");
        assertThat(directory().resolve("alice+spam@example.com")).isEqualTo(deliver(Set.of("bob@example.com"), Set.of()));
    }

    @Test
    void subAddressBeatsCatchAll() throws IOException {
        // Postfix's virtual(5) order: user+ext@domain, user@domain, then @domain.
        write(VIRTUAL, "@example.com carol@example.com\n");
        assertThat(directory().resolve("alice+tag@example.com")).isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
        assertThat(directory().resolve("nobody+tag@example.com"))
                .isEqualTo(deliver(Set.of("carol@example.com"), Set.of()));
    }

    @Test
    void delimiterIsConfigurableAndCanBeDisabled() {
        FileDirectory dash = new FileDirectory(dir, Duration.ZERO, Set.of(), "-+");
        assertThat(dash.resolve("alice-tag@example.com")).isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
        assertThat(dash.resolve("alice+tag@example.com")).isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
        FileDirectory none = new FileDirectory(dir, Duration.ZERO, Set.of(), "");
        assertThat(none.resolve("alice+tag@example.com")).isEqualTo(new Resolution.UnknownUser());
    }

    @Test
    void unknownUserInLocalDomain() {
        assertThat(directory().resolve("nobody@example.com")).isEqualTo(new Resolution.UnknownUser());
    }

    @Test
    void foreignDomainIsNotLocal() {
        FileDirectory directory = directory();
        assertThat(directory.resolve("alice@elsewhere.net")).isEqualTo(new Resolution.NotLocal());
        assertThat(directory.resolve("not-an-address")).isEqualTo(new Resolution.NotLocal());
    }

    @Test
    void aliasLoopIsBroken() throws IOException {
        write(VIRTUAL, """
                a@example.com b@example.com
                b@example.com c@example.com
                c@example.com a@example.com
                """);
        FileDirectory directory = directory();
        assertThat(directory.resolve("a@example.com")).isInstanceOfSatisfying(Resolution.Broken.class,
                broken -> assertThat(broken.reason()).contains("loop")
                        .contains("a@example.com -> b@example.com -> c@example.com -> a@example.com"));
        assertThat(directory.problems()).extracting(ConfigProblem::line).containsExactly(1, 2, 3);
    }

    @Test
    void selfListingAliasWithoutAccountIsBroken() throws IOException {
        write(VIRTUAL, "ghost@example.com ghost@example.com\n");
        assertThat(directory().resolve("ghost@example.com")).isInstanceOf(Resolution.Broken.class);
    }

    @Test
    void tooDeepIsBroken() throws IOException {
        StringBuilder chain = new StringBuilder();
        for (int i = 0; i < 25; i++) {
            chain.append("a").append(i).append("@example.com a").append(i + 1).append("@example.com\n");
        }
        chain.append("a25@example.com alice@example.com\n");
        write(VIRTUAL, chain.toString());
        FileDirectory directory = directory();
        assertThat(directory.resolve("a0@example.com")).isInstanceOfSatisfying(Resolution.Broken.class,
                broken -> assertThat(broken.reason()).contains("deeper than 20"));
        assertThat(directory.resolve("a10@example.com")).isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
    }

    @Test
    void fanOutExplosionIsBounded() throws IOException {
        // Each level lists the next one twice over: 2^20 paths without a bound on lookups.
        StringBuilder diamonds = new StringBuilder();
        for (int i = 0; i < 19; i++) {
            diamonds.append("l%d@example.com x%d@example.com, y%d@example.com\n".formatted(i, i, i));
            diamonds.append("x%d@example.com l%d@example.com\n".formatted(i, i + 1));
            diamonds.append("y%d@example.com l%d@example.com\n".formatted(i, i + 1));
        }
        diamonds.append("l19@example.com alice@example.com\n");
        write(VIRTUAL, diamonds.toString());
        assertThat(directory().resolve("l0@example.com")).isInstanceOf(Resolution.Broken.class);
    }

    @Test
    void unknownLocalTargetIsBrokenAndReported() throws IOException {
        write(VIRTUAL, "team@example.com alice@example.com, typo@example.com\n");
        FileDirectory directory = directory();
        assertThat(directory.resolve("team@example.com")).isInstanceOfSatisfying(Resolution.Broken.class,
                broken -> assertThat(broken.reason()).contains("typo@example.com"));
        assertThat(directory.problems()).singleElement().satisfies(problem -> {
            assertThat(problem.file()).isEqualTo(VIRTUAL);
            assertThat(problem.line()).isEqualTo(1);
            assertThat(problem.message()).contains("typo@example.com");
        });
    }

    @Test
    void malformedLinesAreReportedWhileTheRestLoads() throws IOException {
        write(ACCOUNTS, """
                alice@example.com|%s
                no-separator-here
                not-an-address|{PLAIN}x
                mallory@example.com|{NOSUCH}abc
                alice@example.com|{PLAIN}Zq9-second-entry
                bob@example.com|%s
                """.formatted(SHA512_PASSWORD, SHA256_PASSWORD));
        write(VIRTUAL, """
                # comment

                team@example.com alice@example.com
                bare-name alice@example.com
                lonely@example.com
                mixed@example.com bob@example.com, not-an-address
                team@example.com bob@example.com
                @example.com bob@example.com
                """);
        write(REGEXP, """
                /^ok-(.*)@example\\.com$/ $1@example.com
                /unterminated alice@example.com
                /^bad-group@/ $2@example.com
                /(/ alice@example.com
                /^noresult@/
                /^x@/q alice@example.com
                """);
        FileDirectory directory = directory();

        assertThat(directory.problems()).extracting(p -> p.file() + ":" + p.line()).containsExactly(
                ACCOUNTS + ":2", ACCOUNTS + ":3", ACCOUNTS + ":4", ACCOUNTS + ":5",
                VIRTUAL + ":4", VIRTUAL + ":5", VIRTUAL + ":6", VIRTUAL + ":7",
                REGEXP + ":2", REGEXP + ":3", REGEXP + ":4", REGEXP + ":5", REGEXP + ":6");
        assertThat(directory.problems()).allSatisfy(p -> assertThat(p.message()).isNotBlank());
        // Never echo account lines: they hold hashes or, for PLAIN, passwords.
        assertThat(directory.problems()).noneSatisfy(p -> assertThat(p.message()).contains("Zq9"));

        assertThat(directory.resolve("team@example.com")).isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
        assertThat(directory.resolve("mixed@example.com")).isEqualTo(deliver(Set.of("bob@example.com"), Set.of()));
        assertThat(directory.resolve("ok-alice@example.com")).isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
        assertThat(directory.resolve("lonely@example.com")).isEqualTo(deliver(Set.of("bob@example.com"), Set.of()));
        assertThat(directory.authenticate("alice@example.com", "password".toCharArray())).isPresent();
        assertThat(directory.authenticate("alice@example.com", "Zq9-second-entry".toCharArray())).isEmpty();
        // An account with an unusable hash still receives mail; it just cannot log in.
        assertThat(directory.resolve("mallory@example.com"))
                .isEqualTo(deliver(Set.of("mallory@example.com"), Set.of()));
        assertThat(directory.authenticate("mallory@example.com", "abc".toCharArray())).isEmpty();
    }

    @Test
    void missingFilesAreEmpty() throws IOException {
        Files.delete(dir.resolve(ACCOUNTS));
        FileDirectory directory = directory();
        assertThat(directory.localDomains()).isEmpty();
        assertThat(directory.resolve("alice@example.com")).isEqualTo(new Resolution.NotLocal());
        assertThat(directory.problems()).isEmpty();
        FileDirectory nowhere = new FileDirectory(dir.resolve("does-not-exist"), Duration.ZERO, Set.of(), "+");
        assertThat(nowhere.localDomains()).isEmpty();
    }

    @Test
    void reloadsAfterAFileChange() throws IOException {
        write(VIRTUAL, "team@example.com alice@example.com\n");
        FileDirectory directory = directory();
        assertThat(directory.resolve("team@example.com")).isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));

        Path virtual = dir.resolve(VIRTUAL);
        FileTime before = Files.getLastModifiedTime(virtual);
        write(VIRTUAL, "team@example.com bob@example.com\n"); // same size: only the mtime tells
        Files.setLastModifiedTime(virtual, FileTime.fromMillis(before.toMillis() + 5_000));

        assertThat(directory.resolve("team@example.com")).isEqualTo(deliver(Set.of("bob@example.com"), Set.of()));
    }

    @Test
    void reloadsWhenAFileAppearsOrDisappears() throws IOException {
        FileDirectory directory = directory();
        assertThat(directory.resolve("team@example.com")).isEqualTo(new Resolution.UnknownUser());
        write(VIRTUAL, "team@example.com alice@example.com\n");
        assertThat(directory.resolve("team@example.com")).isEqualTo(deliver(Set.of("alice@example.com"), Set.of()));
        Files.delete(dir.resolve(VIRTUAL));
        assertThat(directory.resolve("team@example.com")).isEqualTo(new Resolution.UnknownUser());
    }

    @Test
    void reloadIfChangedReportsWhetherItLoaded() throws IOException {
        FileDirectory directory = new FileDirectory(dir, Duration.ofDays(1), Set.of(), "+");
        assertThat(directory.reloadIfChanged()).isFalse();
        write(ACCOUNTS, "zoe@example.net|{PLAIN}x\n");
        // Within the interval lookups use the loaded snapshot ...
        assertThat(directory.account("zoe@example.net")).isEmpty();
        // ... and an explicit check picks the change up.
        assertThat(directory.reloadIfChanged()).isTrue();
        assertThat(directory.account("zoe@example.net")).isPresent();
        assertThat(directory.account("alice@example.com")).isEmpty();
        assertThat(directory.reloadIfChanged()).isFalse();
    }

    @Test
    void problemsAreThoseOfTheLastLoad() throws IOException {
        write(VIRTUAL, "broken-line\n");
        FileDirectory directory = directory();
        assertThat(directory.problems()).hasSize(1);
        write(VIRTUAL, "fixed@example.com alice@example.com\n");
        Files.setLastModifiedTime(dir.resolve(VIRTUAL), FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        assertThat(directory.problems()).isEmpty();
    }

    @Test
    void accountLookupIsCaseInsensitive() {
        FileDirectory directory = directory();
        assertThat(directory.account("BOB@example.COM")).get().extracting(Account::address).isEqualTo("bob@example.com");
        assertThat(directory.account("nobody@example.com")).isEmpty();
        assertThat(directory.account("bob+tag@example.com")).isEmpty();
    }

    @Test
    void authenticateEachScheme() {
        FileDirectory directory = directory();
        for (String login : new String[] {"alice@example.com", "bob@example.com", "carol@example.com",
                "dave@example.org", "erin@example.org", "frank@example.org"}) {
            assertThat(directory.authenticate(login, "password".toCharArray())).as(login)
                    .get().extracting(Account::address).isEqualTo(login);
            assertThat(directory.authenticate(login, "Password".toCharArray())).as(login).isEmpty();
        }
        assertThat(directory.authenticate("grace@example.org", "letmein".toCharArray())).isPresent();
        assertThat(directory.authenticate("grace@example.org", "letmeout".toCharArray())).isEmpty();
    }

    @Test
    void authenticateLowerCasesTheLogin() {
        assertThat(directory().authenticate("Alice@EXAMPLE.com", "password".toCharArray()))
                .get().extracting(Account::address).isEqualTo("alice@example.com");
    }

    @Test
    void authenticateUnknownUserIsEmpty() {
        FileDirectory directory = directory();
        assertThat(directory.authenticate("nobody@example.com", "password".toCharArray())).isEmpty();
        assertThat(directory.authenticate(null, "password".toCharArray())).isEmpty();
        assertThat(directory.authenticate("alice@example.com", null)).isEmpty();
    }

    @Test
    void accountToStringHidesTheHash() {
        assertThat(directory().account("grace@example.org").orElseThrow().toString()).doesNotContain("letmein");
    }

    @Test
    void problemLogLineIsKeyValue() {
        assertThat(new ConfigProblem(VIRTUAL, 7, "target 'x\"y' is bad").toLogLine())
                .isEqualTo("event=config-error file=postfix-virtual.cf line=7 reason=\"target 'x\\\"y' is bad\"");
    }
}
