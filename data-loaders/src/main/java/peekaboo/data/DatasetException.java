package peekaboo.data;

/** A dataset that cannot be read: the message names the file and what is wrong with it. */
public class DatasetException extends RuntimeException {
    public DatasetException(String message) { super(message); }

    public DatasetException(String message, Throwable cause) { super(message, cause); }
}
