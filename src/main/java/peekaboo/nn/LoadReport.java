package peekaboo.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/** What loading a state dict found: keys the module has that the file lacks, keys it does not know, and shape mismatches. */
public record LoadReport(List<String> missing, List<String> unexpected, List<String> mismatched) {

    static LoadReport compare(Map<String, Tensor> own, Map<String, Tensor> given) {
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor t = given.get(e.getKey());
            if (t == null) missing.add(e.getKey());
            else if (!java.util.Arrays.equals(t.shape(), e.getValue().shape())) {
                mismatched.add(e.getKey() + " (file " + Shape.str(t.shape()) + ", model " + Shape.str(e.getValue().shape()) + ")");
            }
        }
        for (String k : given.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        return new LoadReport(missing, unexpected, mismatched);
    }

    public boolean isClean() { return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty(); }

    /** One readable sentence listing the problems (the first few of each kind). */
    public String describe() {
        if (isClean()) return "all keys matched";
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) parts.add(missing.size() + " missing key(s) " + head(missing));
        if (!unexpected.isEmpty()) parts.add(unexpected.size() + " unexpected key(s) " + head(unexpected));
        if (!mismatched.isEmpty()) parts.add(mismatched.size() + " shape mismatch(es) " + head(mismatched));
        return String.join("; ", parts) + " (is it a checkpoint of the same --arch and --num-classes?)";
    }

    private static String head(List<String> keys) {
        int n = Math.min(5, keys.size());
        String s = String.join(", ", keys.subList(0, n));
        return "[" + s + (keys.size() > n ? ", ..." : "") + "]";
    }
}
