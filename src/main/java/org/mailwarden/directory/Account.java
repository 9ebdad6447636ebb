package org.mailwarden.directory;

/** A mailbox account: its login address (lower case, user@domain) and stored password hash ({SCHEME}hash). */
public record Account(String address, String passwordHash) {

    public String localPart() {
        return address.substring(0, address.lastIndexOf('@'));
    }

    public String domain() {
        return address.substring(address.lastIndexOf('@') + 1);
    }

    @Override
    public String toString() {
        return "Account[" + address + "]"; // never print the hash
    }
}
