"""Toolchains: the host C compiler and arm-none-eabi-gcc builds."""
