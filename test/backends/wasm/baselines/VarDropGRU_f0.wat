(func $VarDropGRU_f0 (type 6) (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
    (local i32 i32 i32 i32 i32 i32 i32 i32 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128)
    local.get 0
    i32.const -8
    i32.and
    i32.const 2
    i32.shl
    local.set 12
    local.get 0
    i32.const -4
    i32.and
    i32.const 2
    i32.shl
    local.set 13
    local.get 0
    i32.const 2
    i32.shl
    local.set 14
    local.get 1
    local.get 8
    local.get 2
    i32.mul
    i32.add
    local.set 15
    local.get 5
    local.get 8
    local.get 6
    i32.mul
    i32.add
    local.set 17
    local.get 8
    local.set 10
    block  ;; label = @1
      loop  ;; label = @2
        local.get 10
        local.get 9
        i32.ge_s
        br_if 1 (;@1;)
        local.get 3
        local.get 10
        local.get 7
        i32.rem_u
        local.get 4
        i32.mul
        i32.add
        local.set 16
        i32.const 0
        local.set 11
        block  ;; label = @3
          loop  ;; label = @4
            local.get 11
            local.get 12
            i32.ge_s
            br_if 1 (;@3;)
            local.get 15
            local.get 11
            i32.add
            v128.load align=4
            local.set 20
            local.get 16
            local.get 11
            i32.add
            v128.load align=4
            local.set 21
            local.get 20
            local.get 21
            f32x4.mul
            local.set 18
            local.get 17
            local.get 11
            i32.add
            local.get 18
            v128.store align=4
            local.get 15
            local.get 11
            i32.add
            v128.load offset=16 align=4
            local.set 22
            local.get 16
            local.get 11
            i32.add
            v128.load offset=16 align=4
            local.set 23
            local.get 22
            local.get 23
            f32x4.mul
            local.set 19
            local.get 17
            local.get 11
            i32.add
            local.get 19
            v128.store offset=16 align=4
            local.get 11
            i32.const 32
            i32.add
            local.set 11
            br 0 (;@4;)
          end
        end
        block  ;; label = @3
          loop  ;; label = @4
            local.get 11
            local.get 13
            i32.ge_s
            br_if 1 (;@3;)
            local.get 15
            local.get 11
            i32.add
            v128.load align=4
            local.set 24
            local.get 16
            local.get 11
            i32.add
            v128.load align=4
            local.set 25
            local.get 24
            local.get 25
            f32x4.mul
            local.set 18
            local.get 17
            local.get 11
            i32.add
            local.get 18
            v128.store align=4
            local.get 11
            i32.const 16
            i32.add
            local.set 11
            br 0 (;@4;)
          end
        end
        block  ;; label = @3
          loop  ;; label = @4
            local.get 11
            local.get 14
            i32.ge_s
            br_if 1 (;@3;)
            local.get 15
            local.get 11
            i32.add
            v128.load32_splat
            local.set 26
            local.get 16
            local.get 11
            i32.add
            v128.load32_splat
            local.set 27
            local.get 26
            local.get 27
            f32x4.mul
            local.set 18
            local.get 17
            local.get 11
            i32.add
            local.get 18
            v128.store32_lane 0
            local.get 11
            i32.const 4
            i32.add
            local.set 11
            br 0 (;@4;)
          end
        end
        local.get 15
        local.get 2
        i32.add
        local.set 15
        local.get 17
        local.get 6
        i32.add
        local.set 17
        local.get 10
        i32.const 1
        i32.add
        local.set 10
        br 0 (;@2;)
      end
    end)
