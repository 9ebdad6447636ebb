package org.mailwarden.mailauth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

class PublicSuffixListTest {

    @Test
    void debiansListGivesOrganizationalDomains() throws IOException {
        PublicSuffixList psl = PublicSuffixList.load(PublicSuffixList.DEBIAN);
        assertThat(psl.size()).isGreaterThan(5000);
        assertThat(psl.organizationalDomain("mail.example.com")).isEqualTo("example.com");
        assertThat(psl.organizationalDomain("a.b.example.co.uk")).isEqualTo("example.co.uk");
        assertThat(psl.organizationalDomain("Example.COM.")).isEqualTo("example.com");
        assertThat(psl.organizationalDomain("co.uk")).isEqualTo("co.uk"); // a public suffix is its own
        assertThat(psl.organizationalDomain("alice.github.io")).isEqualTo("alice.github.io"); // private section
        assertThat(psl.organizationalDomain("x.mail.bücher.de")).isEqualTo("xn--bcher-kva.de");
        assertThat(psl.organizationalDomain("a..b")).isNull();
    }

    @Test
    void wildcardAndExceptionRules() throws IOException {
        PublicSuffixList psl = PublicSuffixList.parse(new StringReader("""
                // a comment
                com
                *.ck
                !www.ck
                """));
        assertThat(psl.publicSuffix("a.b.ck")).isEqualTo("b.ck");
        assertThat(psl.organizationalDomain("x.a.b.ck")).isEqualTo("a.b.ck");
        assertThat(psl.publicSuffix("www.ck")).isEqualTo("ck");
        assertThat(psl.organizationalDomain("mail.www.ck")).isEqualTo("www.ck");
        // no rule: the last label is the suffix (the list's default "*")
        assertThat(psl.organizationalDomain("mail.example.test")).isEqualTo("example.test");
    }

    @Test
    void anEmptyListIsRefused() {
        assertThatThrownBy(() -> PublicSuffixList.parse(new StringReader("// nothing\n")))
                .isInstanceOf(IOException.class);
    }
}
