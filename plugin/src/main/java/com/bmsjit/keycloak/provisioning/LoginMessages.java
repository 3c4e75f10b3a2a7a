package com.bmsjit.keycloak.provisioning;

/**
 * Keycloak renders an error page message through MessageFormat and then an HTML sanitizer. Text from the bridge
 * must never become markup: HTML is escaped (the sanitizer then drops tags rather than render them), and
 * MessageFormat's quote and brace syntax is neutralised so apostrophes and {0} show as written.
 */
public final class LoginMessages {

    private LoginMessages() {
    }

    public static String literal(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                case '{' -> out.append("&#123;");
                case '}' -> out.append("&#125;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
