package dev.lustrecsi.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Bounds the CSI controller's capacity planner works within when it raises or lowers {@code spec.ostCount}:
 * never below {@code minOsts} or above {@code maxOsts}; keep {@code headroomPercent} of capacity free.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScalePolicy {
    private Integer minOsts;
    private Integer maxOsts;
    private Integer headroomPercent = 20;

    public ScalePolicy() {}

    public ScalePolicy(Integer minOsts, Integer maxOsts, Integer headroomPercent) {
        this.minOsts = minOsts;
        this.maxOsts = maxOsts;
        this.headroomPercent = headroomPercent;
    }

    public Integer getMinOsts() {
        return minOsts;
    }

    public void setMinOsts(Integer minOsts) {
        this.minOsts = minOsts;
    }

    public Integer getMaxOsts() {
        return maxOsts;
    }

    public void setMaxOsts(Integer maxOsts) {
        this.maxOsts = maxOsts;
    }

    public Integer getHeadroomPercent() {
        return headroomPercent;
    }

    public void setHeadroomPercent(Integer headroomPercent) {
        this.headroomPercent = headroomPercent;
    }
}
