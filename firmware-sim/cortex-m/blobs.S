/* The model, inputs and expected outputs, in flash. Paths come from the build (-D). */
    .section .rodata.blobs, "a"
    .balign 16
    .global model_start, model_end, inputs_start, inputs_end, ae_start, dec_start
model_start:  .incbin MODEL_PATH
model_end:
    .balign 4
inputs_start: .incbin INPUTS_PATH
inputs_end:
ae_start:     .incbin AE_PATH
dec_start:    .incbin DEC_PATH
