/* model.c - ownership and name tables of the plain-data model description. */
#include "codec/model.h"

#include "codec/alloc.h"

static void preproc_fini(struct preproc *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n_sub; i++)
		preproc_fini(&p->sub[i]);
	dl_free(p->sub);
}

static void preproc_free(struct preproc *p)
{
	preproc_fini(p);
	dl_free(p);
}

static void layer_fini(struct layer *l)
{
	if (!l)
		return;
	dl_free(l->cls);
	dl_free(l->name);
	dl_free(l->loss);
	dl_free(l->enc_sizes);
	dl_free(l->dec_sizes);
	dl_free(l->updater);
	dl_free(l->updater_cfg);
	dl_free(l->bias_updater);
	dl_free(l->bias_updater_cfg);
	dl_free(l->json);
	for (int i = 0; i < l->n_variables; i++)
		dl_free(l->variables[i]);
	dl_free(l->variables);
	preproc_free(l->pre);
	if (l->fwd) {
		layer_fini(l->fwd);
		dl_free(l->fwd);
	}
	if (l->bwd) {
		layer_fini(l->bwd);
		dl_free(l->bwd);
	}
}

static void strv_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		dl_free(v[i]);
	dl_free(v);
}

void model_free(struct model *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n_layers; i++)
		layer_fini(&m->layers[i]);
	dl_free(m->layers);
	for (int i = 0; i < m->n_vertices; i++) {
		struct vertex *v = &m->vertices[i];

		dl_free(v->name);
		dl_free(v->cls);
		dl_free(v->inputs);
		preproc_free(v->pre);
		dl_free(v->ref_input);
		dl_free(v->json);
	}
	dl_free(m->vertices);
	strv_free(m->inputs, m->n_inputs);
	strv_free(m->outputs, m->n_outputs);
	for (int i = 0; i < m->n_params; i++) {
		dl_free(m->params[i].key);
		dl_free(m->params[i].short_key);
	}
	dl_free(m->params);
	dl_free(m->backprop_type);
	dl_free(m);
}

static const char *const layer_names[] = {
	[LK_DENSE] = "DenseLayer",
	[LK_OUTPUT] = "OutputLayer",
	[LK_RNN_OUTPUT] = "RnnOutputLayer",
	[LK_CENTER_LOSS_OUTPUT] = "CenterLossOutputLayer",
	[LK_LOSS] = "LossLayer",
	[LK_CNN_LOSS] = "CnnLossLayer",
	[LK_RNN_LOSS] = "RnnLossLayer",
	[LK_CONV1D] = "Convolution1DLayer",
	[LK_CONV2D] = "ConvolutionLayer",
	[LK_CONV3D] = "Convolution3D",
	[LK_DECONV2D] = "Deconvolution2D",
	[LK_SEPCONV2D] = "SeparableConvolution2D",
	[LK_DWCONV2D] = "DepthwiseConvolution2D",
	[LK_SUBSAMPLING1D] = "Subsampling1DLayer",
	[LK_SUBSAMPLING2D] = "SubsamplingLayer",
	[LK_SUBSAMPLING3D] = "Subsampling3DLayer",
	[LK_GLOBAL_POOLING] = "GlobalPoolingLayer",
	[LK_UPSAMPLING1D] = "Upsampling1D",
	[LK_UPSAMPLING2D] = "Upsampling2D",
	[LK_ZEROPAD1D] = "ZeroPadding1DLayer",
	[LK_ZEROPAD2D] = "ZeroPaddingLayer",
	[LK_CROPPING1D] = "Cropping1D",
	[LK_CROPPING2D] = "Cropping2D",
	[LK_BATCHNORM] = "BatchNormalization",
	[LK_LRN] = "LocalResponseNormalization",
	[LK_ACTIVATION] = "ActivationLayer",
	[LK_DROPOUT] = "DropoutLayer",
	[LK_LSTM] = "LSTM",
	[LK_GRAVES_LSTM] = "GravesLSTM",
	[LK_GRAVES_BILSTM] = "GravesBidirectionalLSTM",
	[LK_SIMPLE_RNN] = "SimpleRnn",
	[LK_BIDIRECTIONAL] = "Bidirectional",
	[LK_LAST_TIME_STEP] = "LastTimeStep",
	[LK_MASK_ZERO] = "MaskZeroLayer",
	[LK_EMBEDDING] = "EmbeddingLayer",
	[LK_EMBEDDING_SEQ] = "EmbeddingSequenceLayer",
	[LK_PRELU] = "PReLULayer",
	[LK_ELEMENTWISE_MULT] = "ElementWiseMultiplicationLayer",
	[LK_AUTOENCODER] = "AutoEncoder",
	[LK_VAE] = "VariationalAutoencoder",
	[LK_YOLO2] = "Yolo2OutputLayer",
	[LK_OPAQUE] = "(unknown layer)",
};
_Static_assert(ARRAY_SIZE(layer_names) == LK__COUNT, "layer_names out of sync");

static const char *const vertex_names[] = {
	[VK_INPUT] = "Input",
	[VK_LAYER] = "LayerVertex",
	[VK_MERGE] = "MergeVertex",
	[VK_ELEMENTWISE] = "ElementWiseVertex",
	[VK_SUBSET] = "SubsetVertex",
	[VK_STACK] = "StackVertex",
	[VK_UNSTACK] = "UnstackVertex",
	[VK_PREPROC] = "PreprocessorVertex",
	[VK_L2NORMALIZE] = "L2NormalizeVertex",
	[VK_L2] = "L2Vertex",
	[VK_SCALE] = "ScaleVertex",
	[VK_SHIFT] = "ShiftVertex",
	[VK_RESHAPE] = "ReshapeVertex",
	[VK_DUP_TO_TS] = "DuplicateToTimeSeriesVertex",
	[VK_LAST_TS] = "LastTimeStepVertex",
	[VK_REVERSE_TS] = "ReverseTimeSeriesVertex",
	[VK_POOL_HELPER] = "PoolHelperVertex",
	[VK_OPAQUE] = "(unknown vertex)",
};
_Static_assert(ARRAY_SIZE(vertex_names) == VK__COUNT, "vertex_names out of sync");

static const char *const act_names[] = {
	[ACT_IDENTITY] = "identity",
	[ACT_RELU] = "relu",
	[ACT_LEAKYRELU] = "leakyrelu",
	[ACT_TANH] = "tanh",
	[ACT_SIGMOID] = "sigmoid",
	[ACT_SOFTMAX] = "softmax",
	[ACT_LOGSOFTMAX] = "logsoftmax",
	[ACT_ELU] = "elu",
	[ACT_SELU] = "selu",
	[ACT_SOFTSIGN] = "softsign",
	[ACT_SOFTPLUS] = "softplus",
	[ACT_HARDTANH] = "hardtanh",
	[ACT_HARDSIGMOID] = "hardsigmoid",
	[ACT_CUBE] = "cube",
	[ACT_RELU6] = "relu6",
	[ACT_RECTIFIEDTANH] = "rectifiedtanh",
	[ACT_RATIONALTANH] = "rationaltanh",
	[ACT_SWISH] = "swish",
	[ACT_RRELU] = "rrelu",
	[ACT_GELU] = "gelu",
	[ACT_MISH] = "mish",
	[ACT_THRESHOLDEDRELU] = "thresholdedrelu",
	[ACT_UNKNOWN] = "unknown",
};
_Static_assert(ARRAY_SIZE(act_names) == ACT__COUNT, "act_names out of sync");

const char *layer_kind_name(enum layer_kind k)
{
	return (unsigned)k < LK__COUNT ? layer_names[k] : "?";
}

const char *vertex_kind_name(enum vertex_kind k)
{
	return (unsigned)k < VK__COUNT ? vertex_names[k] : "?";
}

const char *act_kind_name(enum act_kind k)
{
	return (unsigned)k < ACT__COUNT ? act_names[k] : "?";
}
