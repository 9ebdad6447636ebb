package org.mailwarden.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccountFilesTest {

    @TempDir
    Path dir;

    @Test
    void accountsAreAddedUpdatedAndDeletedKeepingOtherLines() throws Exception {
        Files.writeString(dir.resolve("postfix-accounts.cf"), "# accounts\nold@b.test|{PLAIN}x|extra\nbroken line\n");
        AccountFiles files = new AccountFiles(dir);
        files.addAccount("New@B.test", PasswordHashes.hash("pw".toCharArray()));
        assertThat(files.accounts()).containsExactly("old@b.test", "new@b.test");
        assertThatThrownBy(() -> files.addAccount("new@b.test", "{PLAIN}y"))
                .isInstanceOf(AccountFiles.Refused.class).hasMessageContaining("already exists");
        assertThatThrownBy(() -> files.addAccount("no-at-sign", "{PLAIN}y"))
                .isInstanceOf(IllegalArgumentException.class);

        files.updateAccount("old@b.test", "{PLAIN}z");
        assertThat(Files.readString(dir.resolve("postfix-accounts.cf"))).startsWith(
                "# accounts\nold@b.test|{PLAIN}z|extra\nbroken line\nnew@b.test|{SHA512-CRYPT}$6$");
        assertThatThrownBy(() -> files.updateAccount("ghost@b.test", "{PLAIN}z"))
                .isInstanceOf(AccountFiles.Refused.class).hasMessageContaining("does not exist");

        // the directory reads what was written
        FileDirectory directory = new FileDirectory(dir);
        assertThat(directory.authenticate("new@b.test", "pw".toCharArray())).isPresent();
    }

    @Test
    void aliasesAppendTargetsAndDeleteSingleTargetsOrWholeEntries() throws Exception {
        Files.writeString(dir.resolve("postfix-virtual.cf"), """
                # team list
                team@b.test a@b.test
                multi@b.test x@b.test,
                  y@b.test
                @b.test catch@b.test
                """);
        AccountFiles files = new AccountFiles(dir);
        files.addAlias("team@b.test", "c@b.test");
        files.addAlias("new@b.test", "a@b.test");
        files.addAlias("multi@b.test", "z@b.test");
        assertThatThrownBy(() -> files.addAlias("team@b.test", "C@b.test")).isInstanceOf(AccountFiles.Refused.class);
        assertThat(files.aliases()).isEqualTo(Map.of("team@b.test", List.of("a@b.test", "c@b.test"),
                "multi@b.test", List.of("x@b.test", "y@b.test", "z@b.test"), "@b.test", List.of("catch@b.test"),
                "new@b.test", List.of("a@b.test")));

        files.deleteAlias("multi@b.test", "y@b.test");
        files.deleteAlias("@b.test", null);
        assertThatThrownBy(() -> files.deleteAlias("team@b.test", "q@b.test")).isInstanceOf(AccountFiles.Refused.class);
        assertThatThrownBy(() -> files.deleteAlias("ghost@b.test", null)).isInstanceOf(AccountFiles.Refused.class);
        assertThat(Files.readString(dir.resolve("postfix-virtual.cf"))).isEqualTo("""
                # team list
                team@b.test a@b.test,c@b.test
                multi@b.test x@b.test,z@b.test
                new@b.test a@b.test
                """);
        // no parse problems (the targets are not accounts here, which the directory reports separately)
        assertThat(new FileDirectory(dir).problems()).allSatisfy(p -> assertThat(p.message()).endsWith("unknown user"));
    }

    @Test
    void quotasAndRestrictionsGoWithTheAccount() throws Exception {
        AccountFiles files = new AccountFiles(dir);
        files.addAccount("a@b.test", "{PLAIN}x");
        files.addAlias("team@b.test", "a@b.test");
        files.addAlias("team@b.test", "other@b.test");
        assertThatThrownBy(() -> files.setQuota("ghost@b.test", "1G")).isInstanceOf(AccountFiles.Refused.class);
        assertThatThrownBy(() -> AccountFiles.quotaSize("10 GB")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AccountFiles.quotaSize("-1")).isInstanceOf(IllegalArgumentException.class);
        assertThat(AccountFiles.quotaSize("500m")).isEqualTo("500M");
        assertThat(AccountFiles.quotaSize("0")).isEqualTo("0");
        files.setQuota("a@b.test", "1G");
        files.setQuota("a@b.test", "2G");
        assertThat(Files.readString(dir.resolve("dovecot-quotas.cf"))).isEqualTo("a@b.test:2G\n");
        files.restrict(AccountFiles.Restriction.SEND, "a@b.test");
        assertThatThrownBy(() -> files.restrict(AccountFiles.Restriction.SEND, "a@b.test"))
                .isInstanceOf(AccountFiles.Refused.class);
        assertThat(Files.readString(dir.resolve("postfix-send-access.cf"))).isEqualTo("a@b.test REJECT\n");
        assertThat(files.list()).containsExactly(new AccountFiles.AccountInfo("a@b.test", "2G",
                List.of("team@b.test"), List.of("send")));

        assertThat(files.deleteAccount("a@b.test")).containsExactly("removed its quota",
                "removed its send restriction", "removed it from alias team@b.test");
        assertThat(files.accounts()).isEmpty();
        assertThat(files.quotas()).isEmpty();
        assertThat(files.restricted(AccountFiles.Restriction.SEND)).isEmpty();
        assertThat(files.aliases()).isEqualTo(Map.of("team@b.test", List.of("other@b.test")));
        assertThatThrownBy(() -> files.deleteAccount("a@b.test")).isInstanceOf(AccountFiles.Refused.class);
        assertThatThrownBy(() -> files.deleteQuota("a@b.test")).isInstanceOf(AccountFiles.Refused.class);
        assertThatThrownBy(() -> files.unrestrict(AccountFiles.Restriction.RECEIVE, "a@b.test"))
                .isInstanceOf(AccountFiles.Refused.class);
    }
}
