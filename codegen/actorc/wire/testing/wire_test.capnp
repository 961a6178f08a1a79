# Test schema for the wire layer's byte-for-byte checks against C++ capnp.
# testing/vectors.py describes the same structs for the Python side.
@0xd5a3c0e1f2b49a77;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("wiretest");

enum Color {
  red @0;
  green @1;
  blue @2;
}

struct Empty {}

struct Inner {
  id @0 :UInt32;
  name @1 :Text;
  flag @2 :Bool;
  tags @3 :List(Text);
  child @4 :Inner;
}

struct AllTypes {
  b @0 :Bool;
  i8 @1 :Int8;
  i16 @2 :Int16;
  i32 @3 :Int32;
  i64 @4 :Int64;
  u8 @5 :UInt8;
  u16 @6 :UInt16;
  u32 @7 :UInt32;
  u64 @8 :UInt64;
  f32 @9 :Float32;
  f64 @10 :Float64;
  color @11 :Color;
  b2 @12 :Bool;
  text @13 :Text;
  data @14 :Data;
  inner @15 :Inner;
  empty @16 :Empty;
  boolList @17 :List(Bool);
  i8List @18 :List(Int8);
  i16List @19 :List(Int16);
  i32List @20 :List(Int32);
  i64List @21 :List(Int64);
  u8List @22 :List(UInt8);
  u16List @23 :List(UInt16);
  u32List @24 :List(UInt32);
  u64List @25 :List(UInt64);
  f32List @26 :List(Float32);
  f64List @27 :List(Float64);
  colorList @28 :List(Color);
  textList @29 :List(Text);
  dataList @30 :List(Data);
  innerList @31 :List(Inner);
  emptyList @32 :List(Empty);
  b3 @33 :Bool;
  u8b @34 :UInt8;
  i32Lists @35 :List(List(Int32));
}
