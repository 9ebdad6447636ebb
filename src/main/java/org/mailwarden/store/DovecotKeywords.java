package org.mailwarden.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mailwarden.files.AtomicFile;

/**
 * Dovecot's {@code dovecot-keywords} file: IMAP keywords of a Maildir folder, one {@code <index> <keyword>} line
 * each. Index 0 is the letter 'a' in a file name's flags, 1 is 'b', up to 25 ('z'): at most 26 keywords per folder.
 */
public final class DovecotKeywords {

    public static final String FILE = "dovecot-keywords";
    public static final int MAX = 26;

    private DovecotKeywords() {}

    /** Keywords by index; a gap in the file is an empty string. */
    public static List<String> read(Path folderDir) throws IOException {
        List<String> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(folderDir.resolve(FILE), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return out;
        }
        for (String line : lines) {
            int sp = line.indexOf(' ');
            if (sp <= 0) {
                continue;
            }
            int idx;
            try {
                idx = Integer.parseInt(line.substring(0, sp));
            } catch (NumberFormatException e) {
                continue;
            }
            String kw = line.substring(sp + 1).strip();
            if (idx < 0 || idx >= MAX || kw.isEmpty()) {
                continue;
            }
            while (out.size() <= idx) {
                out.add("");
            }
            out.set(idx, kw);
        }
        return out;
    }

    public static void write(Path folderDir, List<String> keywords) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < keywords.size(); i++) {
            if (!keywords.get(i).isEmpty()) {
                sb.append(i).append(' ').append(keywords.get(i)).append('\n');
            }
        }
        AtomicFile.writeString(folderDir.resolve(FILE), sb);
    }
}
