package peekaboo.pab.train;

/** The loss became NaN or infinite: the run stops, leaving the last good checkpoint. */
public class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) { super(message); }
}
