package org.mailwarden.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.config.ConfigException;

/** Which user run.user / run.group (DMS_VMAIL_UID / DMS_VMAIL_GID) and the mail dir choose; no root needed. */
class RunAsTest {

    static final UnixUser ROOT = new UnixUser(0, 0, List.of(), Optional.of("root"));
    static final UnixUser ALICE = new UnixUser(1000, 1000, List.of(), Optional.of("alice"));

    @TempDir
    Path dir;

    @Test
    void rootSwitchesToDockerMailserversDefaultWhenNothingSaysOtherwise() {
        RunAs r = RunAs.resolve("", "", dir.resolve("mail"), ROOT);
        assertThat(r).isInstanceOf(RunAs.Switch.class);
        assertThat(r.user().uid()).isEqualTo(5000);
        assertThat(r.user().gid()).isEqualTo(5000);
        assertThat(RunAs.resolve("", "5001", dir.resolve("mail"), ROOT).user().gid()).isEqualTo(5001);
    }

    @Test
    void theOwnerOfAnExistingMailDirIsTheMailUser() throws Exception {
        FileOwners.Stat own = FileOwners.stat(dir).orElseThrow();
        RunAs r = RunAs.resolve("", "", dir, ROOT);
        if (own.uid() == 0) { // a root-owned mail dir (an earlier Mailwarden as root): the default, and handed over
            assertThat(r.user().uid()).isEqualTo(5000);
        } else {
            assertThat(r.user().uid()).isEqualTo(own.uid());
            assertThat(r.source()).contains("owner of");
        }
    }

    @Test
    void explicitSettings() {
        Path mail = dir.resolve("mail");
        assertThat(RunAs.resolve("5000:5001", "", mail, ROOT).user()).extracting(UnixUser::uid, UnixUser::gid)
                .containsExactly(5000, 5001);
        assertThat(RunAs.resolve("5003", "", mail, ROOT).user()).extracting(UnixUser::uid, UnixUser::gid)
                .containsExactly(5003, UnixUser.primaryGroup(5003).orElse(5003));
        assertThat(RunAs.resolve("5003", "5004", mail, ROOT).user().gid()).isEqualTo(5004);
        RunAs nobody = RunAs.resolve("nobody", "", mail, ROOT);
        assertThat(nobody.user().uid()).isEqualTo(UnixUser.byName("nobody").orElseThrow().uid());
        assertThat(nobody.user().name()).contains("nobody");
        assertThat(RunAs.resolve("root", "", mail, ROOT)).isInstanceOf(RunAs.Stay.class);
        assertThat(RunAs.resolve("0", "", mail, ROOT)).isInstanceOf(RunAs.Stay.class);
        assertThat(RunAs.resolve("0:0", "", mail, ROOT)).isInstanceOf(RunAs.Stay.class);
    }

    @Test
    void badSettingsStopStartUpNamingTheSetting() {
        Path mail = dir.resolve("mail");
        assertThatThrownBy(() -> RunAs.resolve("no-such-user-x", "", mail, ROOT)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("run.user").hasMessageContaining("Fix:");
        assertThatThrownBy(() -> RunAs.resolve("5000:", "", mail, ROOT)).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> RunAs.resolve("99999999999", "", mail, ROOT)).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> RunAs.resolve("5000", "no-such-group-x", mail, ROOT))
                .isInstanceOf(ConfigException.class).hasMessageContaining("run.group");
        assertThatThrownBy(() -> RunAs.resolve("5000:5000", "5001", mail, ROOT)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("run.group");
    }

    @Test
    void notStartedAsRootThereIsNothingToDrop() throws Exception {
        Files.createDirectories(dir.resolve("mail"));
        RunAs r = RunAs.resolve("5000", "", dir.resolve("mail"), ALICE);
        assertThat(r).isEqualTo(new RunAs.Stay(ALICE, r.source()));
        assertThat(r.source()).contains("not started as root");
    }
}
