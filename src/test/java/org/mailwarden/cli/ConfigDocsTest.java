package org.mailwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mailwarden.config.Setting;
import org.mailwarden.config.Settings;
import org.mailwarden.config.SettingsDoc;

/** docs/configuration.md is the output of 'mailwarden config defaults': regenerate it when a setting changes. */
class ConfigDocsTest {

    private static String generated(String doc, String command) {
        Matcher m = Pattern.compile("<!-- BEGIN generated: " + Pattern.quote(command) + " -->\n(?:```ini\n)?(.*?)"
                + "(?:```\n)?<!-- END generated -->", Pattern.DOTALL).matcher(doc);
        assertThat(m.find()).as("generated block for '" + command + "' in docs/configuration.md").isTrue();
        return m.group(1);
    }

    @Test
    void committedDocsMatchTheSettingsInTheCode() throws Exception {
        String doc = Files.readString(Path.of("docs/configuration.md"));
        String hint = "docs/configuration.md is out of date: regenerate it with scripts/regen-config-docs.sh";
        assertThat(generated(doc, "mailwarden config defaults --markdown")).as(hint)
                .isEqualTo(SettingsDoc.markdownTable());
        assertThat(generated(doc, "mailwarden config defaults")).as(hint).isEqualTo(SettingsDoc.sampleConfig());
        for (Setting<?> s : Settings.ALL) {
            assertThat(doc).contains("| `" + s.key() + "` |").contains("#" + s.key() + " =");
        }
    }
}
