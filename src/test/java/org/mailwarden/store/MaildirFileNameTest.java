package org.mailwarden.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.TestMaildir;

/** Maildir names: parsing, and the delivery order UIDs are given in. */
class MaildirFileNameTest {

    @TempDir
    Path dir;

    @Test
    void deliveryOrderComparesTheTimeAndCounterAsNumbers() {
        List<String> names = new ArrayList<>(List.of(
                "1700000001.M5P7Q1.mx",
                "1700000000.M100P7Q4.mx",
                "1700000000.M99P7Q3.mx",
                "1700000000.M99P7Q10.mx",
                "not-a-maildir-name",
                "1700000000.M99P7Q2.mx,S=10,W=12"));
        names.sort(MaildirFileName.DELIVERY_ORDER);
        assertThat(names).containsExactly(
                "1700000000.M99P7Q2.mx,S=10,W=12",
                "1700000000.M99P7Q3.mx",
                "1700000000.M99P7Q10.mx",
                "1700000000.M100P7Q4.mx",
                "1700000001.M5P7Q1.mx",
                "not-a-maildir-name");
    }

    @Test
    void uidsFollowDeliveryOrderWithinOneSecond() throws Exception {
        Path folder = dir.resolve("box");
        TestMaildir.create(folder);
        // as text, "M1000" < "M999": the later delivery would get the lower UID
        Files.writeString(folder.resolve("new/1700000000.M999P1Q1.mx"), "Subject: first\n\nx\n");
        Files.writeString(folder.resolve("new/1700000000.M1000P1Q2.mx"), "Subject: second\n\nx\n");
        MaildirFolder f = MaildirFolder.open(folder);
        assertThat(f.messages()).extracting(MaildirFolder.Message::baseName)
                .containsExactly("1700000000.M999P1Q1.mx", "1700000000.M1000P1Q2.mx");
        assertThat(f.messages()).extracting(MaildirFolder.Message::uid).containsExactly(1L, 2L);
    }
}
