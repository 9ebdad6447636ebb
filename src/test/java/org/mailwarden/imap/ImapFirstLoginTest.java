package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** An account's first logins, many at once (a client opening several connections): every one gets its folders. */
class ImapFirstLoginTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @Test
    void concurrentFirstLoginsAllSucceed() throws Exception {
        int sessions = 12;
        for (String user : List.of("alice", "bob", "carol")) {
            String address = user + "@example.test";
            Path home = server.get().server.store().mailboxDir(address);
            assertThat(home).doesNotExist();
            List<ImapClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < sessions; i++) {
                    ImapClient c = new ImapClient(server.get().imapsPort(), true);
                    c.line();
                    clients.add(c);
                }
                CyclicBarrier start = new CyclicBarrier(sessions);
                List<CompletableFuture<List<String>>> answers = new ArrayList<>();
                for (ImapClient c : clients) {
                    answers.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            start.await(10, TimeUnit.SECONDS);
                            List<String> r = new ArrayList<>(c.command("LOGIN " + address + " secret-" + user));
                            r.addAll(c.command("SELECT INBOX"));
                            r.addAll(c.command("LIST \"\" %"));
                            return r;
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, r -> Thread.ofVirtual().start(r)));
                }
                for (CompletableFuture<List<String>> a : answers) {
                    List<String> r = a.get(60, TimeUnit.SECONDS);
                    assertThat(r).anySatisfy(l -> assertThat(l).matches("a1 OK .*Logged in"));
                    assertThat(r).anySatisfy(l -> assertThat(l).startsWith("a2 OK [READ-WRITE]"));
                    assertThat(r).filteredOn(l -> l.startsWith("* LIST")).hasSize(6);
                }
            } finally {
                for (ImapClient c : clients) {
                    c.close();
                }
            }
            assertThat(Files.readAllLines(home.resolve("subscriptions")))
                    .containsExactlyInAnyOrder("Drafts", "Sent", "Junk", "Trash", "Archive");
        }
    }
}
