#ifndef MODEL_H
#define MODEL_H
#include <stddef.h>
#define MF_MODEL_NUM_INPUTS  1
#define MF_MODEL_NUM_OUTPUTS 1
int    mf_model_invoke(void);
void  *mf_model_input(int i);
size_t mf_model_input_size(int i);
void  *mf_model_output(int i);
size_t mf_model_output_size(int i);
#endif
