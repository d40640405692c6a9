package dev.lustrecsi.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Quantity;

/** Size of every server VM. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VmSpec {
    private Integer cpu = 2;
    private Quantity memory = new Quantity("4Gi");

    /** Virtual CPU cores. */
    public Integer getCpu() {
        return cpu;
    }

    public void setCpu(Integer cpu) {
        this.cpu = cpu;
    }

    public Quantity getMemory() {
        return memory;
    }

    public void setMemory(Quantity memory) {
        this.memory = memory;
    }
}
