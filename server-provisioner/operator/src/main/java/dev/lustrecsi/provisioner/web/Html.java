package dev.lustrecsi.provisioner.web;

/** Text into HTML. Every value the status page shows comes from the API server and may hold markup. */
final class Html {
    private Html() {}

    /** Escapes for element content and for double- or single-quoted attribute values. */
    static String escape(Object value) {
        String s = value == null ? "" : value.toString();
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
