package dev.lustrecsi.lustre;

import java.util.regex.Pattern;

/**
 * A Lustre filesystem name: at most 8 characters (it is embedded in target names such as
 * {@code fsname-OST0001} and in on-disk labels), letters, digits, '_' and '-', not starting with '-'.
 */
public record FsName(String value) {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]{0,7}");

    public FsName {
        if (value == null || !VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid Lustre fsname '" + value
                    + "': 1-8 characters of letters, digits, '_' or '-', not starting with '-'");
        }
    }

    public static boolean isValid(String value) {
        return value != null && VALID.matcher(value).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
