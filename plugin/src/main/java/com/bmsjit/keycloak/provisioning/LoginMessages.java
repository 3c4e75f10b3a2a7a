package com.bmsjit.keycloak.provisioning;

/**
 * Keycloak renders an error page message through MessageFormat, then its sanitizer, which fully decodes HTML
 * entities (however often they were encoded) and keeps tags it deems harmless, links included. So escaping alone
 * cannot keep a bridge's message from becoming markup. Instead a zero-width space follows every '<' and '&':
 * neither can then start a tag or an entity, the sanitizer shows them as text, and the message reads as written.
 * MessageFormat's quote and brace syntax is neutralised with entities, which the sanitizer decodes back.
 */
public final class LoginMessages {

    private static final char ZERO_WIDTH_SPACE = '\u200B';

    private LoginMessages() {
    }

    public static String literal(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<', '&' -> out.append(c).append(ZERO_WIDTH_SPACE);
                case '\'' -> out.append("&#39;");
                case '{' -> out.append("&#123;");
                case '}' -> out.append("&#125;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
