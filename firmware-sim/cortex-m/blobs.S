/* The model, inputs and expected outputs, in flash. Paths come from the build (-D); a
 * DECODER_ONLY build carries only the decoder's expected images. */
    .section .rodata.blobs, "a"
    .balign 16
    .global model_start, model_end, dec_start, dec_end
model_start:  .incbin MODEL_PATH
model_end:
    .balign 4
#ifndef DECODER_ONLY
    .global inputs_start, inputs_end, ae_start
inputs_start: .incbin INPUTS_PATH
inputs_end:
ae_start:     .incbin AE_PATH
#endif
dec_start:    .incbin DEC_PATH
dec_end:
