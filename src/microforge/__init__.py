"""microforge: compile int8 TFLite models to fast, lean C for Arm Cortex-M, bit-exact with TFLM."""
__version__ = "0.1.0"
