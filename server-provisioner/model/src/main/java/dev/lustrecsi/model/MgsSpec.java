package dev.lustrecsi.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Quantity;

/** The management server: on its own VM with its own MGT disk, or combined with MDT0 on the first MDS. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MgsSpec {
    private Boolean colocated = Boolean.TRUE;
    private Quantity size = new Quantity("1Gi");

    /** True: MGS and MDT0 share one disk on the first MDS ({@code mkfs.lustre --mgs --mdt}). */
    public Boolean getColocated() {
        return colocated;
    }

    public void setColocated(Boolean colocated) {
        this.colocated = colocated;
    }

    /** Size of a separate MGT disk (ignored when co-located). */
    public Quantity getSize() {
        return size;
    }

    public void setSize(Quantity size) {
        this.size = size;
    }

    public boolean colocated() {
        return colocated == null || colocated;
    }
}
