package org.mailwarden.config.audit;

import java.util.ArrayList;
import java.util.List;
import org.mailwarden.directory.AccountFiles;
import org.mailwarden.directory.PasswordHashes;

/**
 * Accounts whose stored hash is weak (plain text, DES or MD5 crypt: fast to brute-force from a leaked file) or
 * cannot be verified at all (nobody can log in to them). Never prints the hash.
 */
final class PasswordHashCheck implements ConfigCheck {

    @Override
    public String name() {
        return "password-hashes";
    }

    @Override
    public List<Finding> run(AuditContext context) {
        List<Finding> out = new ArrayList<>();
        List<String> lines = context.lines(AccountFiles.ACCOUNTS_FILE);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\|", -1);
            if (fields.length < 2 || fields[1].isBlank()) {
                continue; // a malformed line: ConfigFileProblemsCheck reports it
            }
            String address = fields[0].strip().toLowerCase(java.util.Locale.ROOT);
            String hash = fields[1].strip();
            String where = AccountFiles.ACCOUNTS_FILE + " line " + (i + 1);
            String fix = "set a new password: mailwarden email update " + address
                    + " (stores a SHA512-CRYPT hash)";
            if (!PasswordHashes.isSupported(hash)) {
                String scheme = PasswordHashes.scheme(hash);
                out.add(Finding.warning("accounts.unsupported-hash", where + ": account " + address
                        + " has an unsupported or malformed password hash (scheme "
                        + (scheme.isEmpty() ? "unreadable" : scheme) + "); nobody can log in to it", fix));
            } else if (PasswordHashes.isWeak(hash)) {
                out.add(Finding.warning("accounts.weak-hash", where + ": account " + address + " has a weak "
                        + PasswordHashes.scheme(hash) + " password hash, easy to crack if the file leaks", fix));
            }
        }
        return out;
    }
}
