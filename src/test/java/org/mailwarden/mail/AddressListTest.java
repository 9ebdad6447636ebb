package org.mailwarden.mail;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mailwarden.mail.AddressList.Group;
import org.mailwarden.mail.AddressList.Mailbox;

/** RFC 5322 3.4 and 4.4 address forms, as the spoof check, DKIM and ENVELOPE read them. */
class AddressListTest {

    private static Mailbox one(String value) {
        List<Mailbox> m = AddressList.mailboxes(value);
        assertThat(m).as(value).hasSize(1);
        return m.getFirst();
    }

    @Test
    void plainNamedAndQuoted() {
        assertThat(one("alice@example.org")).isEqualTo(new Mailbox(null, null, "alice", "example.org"));
        assertThat(one("Alice Liddell <alice@example.org>"))
                .isEqualTo(new Mailbox("Alice Liddell", null, "alice", "example.org"));
        assertThat(one("\"Liddell, Alice\" <alice@example.org>").name()).isEqualTo("Liddell, Alice");
        assertThat(one("\"victim@foreign.test\"@example.test").address()).isEqualTo("\"victim@foreign.test\"@example.test");
        assertThat(one("\"victim@foreign.test\"@example.test").domain()).isEqualTo("example.test");
        assertThat(one("<first.last@[192.0.2.1]>").domain()).isEqualTo("[192.0.2.1]");
    }

    @Test
    void commentsAnywhereAndNested() {
        assertThat(one("<user (comment)@ (comment) domain.org>").address()).isEqualTo("user@domain.org");
        assertThat(one("user (x (nested) y) @ example.org").address()).isEqualTo("user@example.org");
        assertThat(one("bob@example.org (Bob Builder)").name()).isEqualTo("Bob Builder");
        assertThat(one("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>").address())
                .isEqualTo("pete@silly.test");
    }

    @Test
    void obsoleteRoutesAndPhrases() {
        Mailbox m = one("Joe Q. Public <@relay1.test,@relay2.test:joe@where.test>");
        assertThat(m).isEqualTo(new Mailbox("Joe Q. Public", "@relay1.test,@relay2.test", "joe", "where.test"));
        assertThat(AddressList.mailboxes("a@x.test,,  ,b@y.test")).extracting(Mailbox::address)
                .containsExactly("a@x.test", "b@y.test");
    }

    @Test
    void groups() {
        List<AddressList.Entry> e = AddressList.parse("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, x@y.test");
        assertThat(e).hasSize(2);
        assertThat(e.getFirst()).isInstanceOfSatisfying(Group.class, g -> {
            assertThat(g.name()).isEqualTo("A Group");
            assertThat(g.members()).extracting(Mailbox::address)
                    .containsExactly("c@a.test", "joe@where.test", "jdoe@one.test");
        });
        assertThat(AddressList.parse("undisclosed-recipients:;"))
                .containsExactly(new Group("undisclosed-recipients", List.of()));
    }

    @Test
    void neverThrowsNorRecursesOnHostileInput() {
        assertThat(AddressList.parse("(".repeat(100_000) + "a@b")).isEmpty(); // all comment
        assertThat(AddressList.mailboxes("x@y" + ")".repeat(10_000))).extracting(Mailbox::address).contains("x@y");
        assertThat(AddressList.parse("<<<<>>>>,,;;::@@@\"")).isNotNull();
        assertThat(AddressList.parse(null)).isEmpty();
        assertThat(one("<>").address()).isEmpty();
    }
}
