package org.mailwarden.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Networks in settings are address literals only: a word made of hex letters is refused, never looked up in DNS. */
class CidrTest {

    @Test
    void hexLetterNamesAreRefusedWithoutALookup() {
        for (String name : new String[] {"cafe", "dead.beef", "bad/24", "[face]"}) {
            assertThatThrownBy(() -> Cidr.parse(name)).as(name).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Cidr.parse("192.0.2.0/24").toString()).contains("192.0.2.0");
        assertThat(Cidr.parse("[2001:db8::1]").toString()).contains("2001:db8");
    }
}
